"""Property-based tests (hypothesis) of what strangers and spreadsheets send us.

- The search page: any query string (known fields with good or bad values, unknown fields,
  repeated fields, odd Unicode) gets a page, never a 500, and the page's address holds no full
  postcode (one is cut to its sector by a redirect: directory/postcode_privacy.py).
- The moderators' CSV bulk update: any upload (edited rows, bad values, broken headers, raw bytes)
  gets an answer, never a 500, saves nothing until confirmed, and is then saved whole or not at all.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import bulk_update, postcodes, vocabulary
from directory.models import PostcodeDistrict, Service, WaitingTimeReport
from tests.factories import PostcodeFactory, ServiceFactory, WaitingTimeReportFactory

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

JUNK = st.text(max_size=30) | st.sampled_from(["", " ", "-1", "0", "1e309", "NaN", "∞", "9" * 40, "<script>", "%00",
                                                 "null", "true", "[]", "CF10 1EP" * 3])
CODES = lambda choices: st.sampled_from([code for code, _label in choices])  # noqa: E731
FIELD_VALUES = {
    "postcode": st.sampled_from(["CF10 1EP", "cf101ep", "CF10", "CF10 1", "SW1A 1AA", "ZZ99 9ZZ"]) | JUNK,
    "la": st.sampled_from(["W06000015", "W06000001", "E06000001"]) | JUNK,
    "age": st.sampled_from(["9", "0", "17.5", "25", "26", "-3", "9.25"]) | JUNK,
    "abuse_form": CODES(vocabulary.ABUSE_FORMS) | JUNK,
    "audience": CODES(vocabulary.AUDIENCES) | JUNK,
    "delivery": CODES(vocabulary.DELIVERY_MODES) | JUNK,
    "referrer": CODES(vocabulary.REFERRERS) | JUNK,
    "no_disclosure": st.sampled_from(["on", "1", "true"]) | JUNK,
    "proceedings_ongoing": st.sampled_from(["on"]) | JUNK,
    "welsh": st.sampled_from(["on"]) | JUNK,
    "max_wait": st.sampled_from(["8", "0", "520", "521"]) | JUNK,
    "sort": st.sampled_from(["best", "wait", "distance"]) | JUNK,
    "view": st.sampled_from(["list", "map"]) | JUNK,
    "page": st.sampled_from(["1", "2", "999", "0", "-1"]) | JUNK,
    "cut": st.sampled_from(["1"]) | JUNK,
}


@pytest.fixture
def directory(wales_areas):
    PostcodeFactory(postcode="CF10 1EP", latitude=51.4816, longitude=-3.1791, lad_code="W06000015")
    PostcodeDistrict.objects.create(prefix="CF10 1", latitude=51.4797, longitude=-3.1781, lad_code="W06000015")
    for coverage in [["W06000015"], ["W92000004"], ["W06000001"]]:
        ServiceFactory(coverage=[wales_areas[c] for c in coverage], wait_weeks=6, abuse_cse=True)


@FUZZ
@given(pairs=st.lists(st.tuples(st.sampled_from(sorted(FIELD_VALUES)), st.data()), max_size=12),
       extra=st.lists(st.tuples(st.text(max_size=10), JUNK), max_size=3))
def test_the_search_page_answers_any_query_without_a_server_error(client, directory, pairs, extra):
    query = [(name, data.draw(FIELD_VALUES[name])) for name, data in pairs] + extra
    response = client.get(f"/search/?{urlencode(query)}", follow=True)
    assert response.status_code in {200, 400}, query
    assert b"Server Error" not in response.content
    assert len(response.redirect_chain) <= 1, query  # cut once: the address it goes to has nothing to cut
    final = response.wsgi_request.GET.getlist("postcode")
    assert not any((p := postcodes.parse_postcode(v)) is not None and p.kind == "unit" for v in final), query


# --- the CSV bulk update ------------------------------------------------------------------------

ROW_EDITS = {
    "status": st.sampled_from(list(bulk_update.STATUSES)) | JUNK,
    "wait_weeks": st.integers(-5, 600).map(str) | JUNK,
    "referrals_open": st.sampled_from(["yes", "no", "Y", "false", ""]) | JUNK,
    "wait_as_of": st.dates(date(1990, 1, 1), date(2100, 1, 1)).map(date.isoformat) | JUNK,
    "service_id": st.uuids().map(str) | JUNK,
}


@pytest.fixture
def listed(db):
    services = [ServiceFactory(name=f"Service {i}") for i in range(3)]
    WaitingTimeReportFactory(service=services[0], weeks=8, as_of=date.today() - timedelta(days=20))
    return services


def _state() -> tuple:
    return (sorted(Service.objects.values_list("public_id", "status")),
            sorted(WaitingTimeReport.objects.values_list("service_id", "weeks", "referrals_open", "as_of")))


def _download(client) -> list[dict]:
    return list(csv.DictReader(io.StringIO(client.get("/moderation/waits.csv").content.decode("utf-8-sig"))))


def _upload(client, content: bytes):
    return client.post("/moderation/waits/", {"csv_file": SimpleUploadedFile("waits.csv", content, content_type="text/csv")})


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(sorted(ROW_EDITS)), st.data()), max_size=6),
       drop_column=st.none() | st.sampled_from(bulk_update.COLUMNS), duplicate_row=st.booleans())
def test_any_edited_spreadsheet_is_saved_whole_or_not_at_all(moderator_client, listed, edits, drop_column, duplicate_row):
    rows = _download(moderator_client)
    for index, column, data in edits:
        rows[index][column] = data.draw(ROW_EDITS[column])
    if duplicate_row:
        rows.append(dict(rows[0]))
    header = [c for c in bulk_update.COLUMNS if c != drop_column]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    before = _state()
    text = out.getvalue()
    expected = bulk_update.check_upload(text, {s.public_id: s for s in bulk_update.current_states()},
                                        today=date.today())

    response = _upload(moderator_client, text.encode())

    if expected.errors:
        assert response.status_code == 400
        assert _state() == before, "a refused upload changed the directory"
    elif not expected.changes:
        assert response.status_code == 302
        assert _state() == before, "a file with no changes changed the directory"
    else:
        assert response.status_code == 200  # the check page: nothing is saved until it is confirmed
        assert _state() == before, "an upload saved before it was confirmed"
        token = re.search(r'name="check" value="([^"]+)"', response.content.decode())[1]
        assert moderator_client.post("/moderation/waits/confirm/", {"check": token}).status_code == 302
        statuses, waits = _state()
        changed = {c.public_id: c.status for c in expected.changes if c.status}
        assert statuses == sorted((pid, changed.get(pid, status)) for pid, status in before[0])
        assert len(waits) == len(before[1]) + sum(1 for c in expected.changes if c.wait)


@FUZZ
@given(content=st.binary(max_size=600) | st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_uploaded_bytes_get_an_answer_and_change_nothing_unless_valid(moderator_client, listed, content):
    before = _state()
    response = _upload(moderator_client, content)
    assert response.status_code in {200, 302, 400}
    assert _state() == before  # an upload alone never saves: at most it shows the changes to confirm


@pytest.mark.parametrize("content", [b"service_id,status\na\rb,c\n", b"x\ry\n", b"service_id\n\"unclosed\n"])
def test_a_file_with_stray_carriage_returns_gets_an_answer_not_a_server_error(moderator_client, listed, content):
    # Found by the property above: a lone carriage return in a field made the csv module raise (a 500).
    before = _state()
    response = _upload(moderator_client, content)
    assert response.status_code == 400
    assert _state() == before
