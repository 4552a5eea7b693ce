"""Moderators' CSV bulk update of statuses and waits: download, check every row, show the changes, save all
or nothing on confirm."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from directory import bulk_update
from directory.accounts.services import moderator_create
from directory.models import Service, WaitingTimeReport
from tests.factories import ServiceFactory, UserFactory, WaitingTimeReportFactory

TODAY = date(2025, 6, 30)
PAGE = "/moderation/waits/"
DOWNLOAD = "/moderation/waits.csv"
CONFIRM = "/moderation/waits/confirm/"
TOKEN = re.compile(r'<input type="hidden" name="check" value="([^"]+)">')


@pytest.fixture
def services(db):
    waiting = ServiceFactory(name="Waiting service")
    WaitingTimeReportFactory(service=waiting, weeks=8, as_of=date.today() - timedelta(days=20))
    return {"waiting": waiting, "never": ServiceFactory(name="No wait reported")}


def _download(client) -> list[dict]:
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _upload(client, rows: list[dict], *, header=bulk_update.COLUMNS):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return _upload_bytes(client, out.getvalue().encode())


def _upload_bytes(client, content: bytes):
    return client.post(PAGE, {"csv_file": SimpleUploadedFile("waits.csv", content, content_type="text/csv")})


def _token(check_page) -> str:
    assert check_page.status_code == 200, check_page.content.decode()[:2000]
    return TOKEN.search(check_page.content.decode())[1]


def _confirm(client, check_page, *, path=CONFIRM):
    """Press "Confirm and save" on the check page an upload showed."""
    return client.post(path, {"check": _token(check_page)})


def _save(client, rows: list[dict], **kwargs):
    """Upload the rows and confirm the changes shown."""
    return _confirm(client, _upload(client, rows, **kwargs))


def _directory_state() -> tuple:
    return (
        sorted(Service.objects.values_list("public_id", "status")),
        sorted(WaitingTimeReport.objects.values_list("service_id", "weeks", "referrals_open", "as_of")),
    )


def test_anonymous_users_are_sent_to_log_in(db, client):
    for path in (PAGE, DOWNLOAD, CONFIRM):
        response = client.get(path)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("staff", [False, True], ids=["provider", "staff-without-moderation"])
def test_non_moderators_are_refused(db, client, staff):
    client.force_login(UserFactory(is_staff=staff))
    assert client.get(PAGE).status_code == 403
    assert client.get(DOWNLOAD).status_code == 403
    assert _upload_bytes(client, b"service_id\n").status_code == 403
    assert client.post(CONFIRM, {"check": "x"}).status_code == 403


def test_the_page_explains_the_steps(moderator_client, services):
    response = moderator_client.get(reverse("directory:bulk_update"))
    assert response.status_code == 200
    assert b"Download the CSV file" in response.content


BACK_TO_MODERATION = re.compile(r'<a href="(?P<href>[^"]+)" class="govuk-back-link">(?P<label>[^<]+)</a>')


def test_the_page_leads_back_to_the_moderation_queue_as_the_other_moderation_pages_do(moderator_client, services):
    # The queue links here; every other page it links to (a change, an invitation) has a back link
    # to it, and this one had none: the way back was the header's "Moderation".
    pages = [moderator_client.get(PAGE), _upload_bytes(moderator_client, b"")]
    invite = moderator_client.get(reverse("accounts:invite")).content.decode()
    for response in pages:
        back = BACK_TO_MODERATION.search(response.content.decode())
        assert back is not None, "no back link"
        assert (back["href"], back["label"]) == ("/moderation/", "Moderation")
        assert back.group(0) in invite  # the same link, word for word
    welsh = BACK_TO_MODERATION.search(moderator_client.get(f"/cy{PAGE}").content.decode())
    assert (welsh["href"], welsh["label"]) == ("/cy/moderation/", "Cymedroli")


def test_the_download_lists_every_service_with_its_current_wait(moderator_client, services):
    rows = {row["service"]: row for row in _download(moderator_client)}
    assert set(rows) == {"Waiting service", "No wait reported"}
    assert rows["Waiting service"]["wait_weeks"] == "8"
    assert rows["Waiting service"]["referrals_open"] == "yes"
    assert rows["Waiting service"]["status"] == "active"
    assert rows["No wait reported"]["wait_weeks"] == ""


def test_an_edited_file_saves_statuses_and_appends_waits(moderator_client, services):
    rows = _download(moderator_client)
    for row in rows:
        if row["service"] == "Waiting service":
            row["wait_weeks"] = "3"  # date left as downloaded: dated today
        else:
            row |= {"status": "paused", "wait_weeks": "0", "referrals_open": "no"}
    response = _save(moderator_client, rows)
    assert response.status_code == 302
    waiting, never = services["waiting"], services["never"]
    never.refresh_from_db()
    assert never.status == Service.Status.PAUSED
    assert never.waiting_times.get().referrals_open is False
    reports = list(waiting.waiting_times.order_by("as_of").values_list("weeks", "as_of"))
    assert reports == [(8, date.today() - timedelta(days=20)), (3, date.today())]
    followed = moderator_client.get(response["Location"])
    assert b"1 status changed and 2 waiting times recorded" in followed.content


def test_an_unchanged_file_changes_nothing_and_says_so(moderator_client, services):
    before = _directory_state()
    response = _upload(moderator_client, _download(moderator_client))
    assert response.status_code == 302  # no check page: there is nothing to confirm
    assert _directory_state() == before
    page = moderator_client.get(response["Location"]).content.decode()
    assert "Nothing was saved: none of the file’s 2 rows changes anything." in page


def test_a_file_with_bad_rows_saves_nothing_and_names_every_row(moderator_client, services):
    rows = _download(moderator_client)
    rows[0] |= {"status": "paused", "wait_weeks": "2"}  # valid on its own
    rows[1] |= {"status": "sleeping", "wait_weeks": "six"}
    rows.append(dict(rows[0]))  # the same service twice
    before = (WaitingTimeReport.objects.count(), list(Service.objects.values_list("status", flat=True)))
    response = _upload(moderator_client, rows)
    assert response.status_code == 400
    assert (WaitingTimeReport.objects.count(), list(Service.objects.values_list("status", flat=True))) == before
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Nothing was saved" in html
    assert "Row 3: status must be one of active, paused, closed, not \u201csleeping\u201d; wait_weeks must" in html
    assert "Row 4: service " in html and "is already on row 2" in html


def test_a_row_with_several_bad_cells_names_every_one(moderator_client, services):
    # It named the first bad wait cell alone: the next only after fixing it and uploading again.
    rows = _download(moderator_client)
    rows[0] |= {"status": "sleeping", "wait_weeks": "six", "referrals_open": "maybe", "wait_as_of": "soon"}
    response = _upload(moderator_client, rows)
    assert response.status_code == 400
    html = response.content.decode()
    assert ("Row 2: status must be one of active, paused, closed, not \u201csleeping\u201d; "
            "wait_weeks must be a whole number from 0 to 520, not \u201csix\u201d; "
            "referrals_open must be yes or no, not \u201cmaybe\u201d; "
            "wait_as_of must be a date like 2025-01-31 or 31/01/2025, not \u201csoon\u201d") in html


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"service_id": "abc"}, "is not a service id"),
        ({"service_id": "8b5f3c1e-0000-4000-8000-000000000000"}, "no service has the id"),
        # An empty cell is said to be empty, spaces alone too (they quoted back as "not “   ”").
        ({"status": ""}, "status is empty: give one of active, paused, closed"),
        ({"status": "   "}, "status is empty: give one of active, paused, closed"),
        ({"status": " sleeping "}, "status must be one of active, paused, closed, not \u201csleeping\u201d"),
        ({"wait_weeks": "six"}, "wait_weeks must be a whole number"),
        ({"wait_weeks": "999"}, "wait_weeks must be a whole number"),
        ({"wait_weeks": "2", "referrals_open": "maybe"}, "referrals_open must be yes or no"),
        ({"wait_weeks": "2", "wait_as_of": "last week"}, "wait_as_of must be a date"),
        ({"wait_weeks": "2", "wait_as_of": "31/02/2025"}, "wait_as_of must be a date"),
        ({"wait_weeks": "2", "wait_as_of": "06/01/25"}, "wait_as_of must be a date"),
        ({"wait_weeks": "2", "wait_as_of": "2025-07-01"}, "is in the future"),
        ({"wait_weeks": "2", "wait_as_of": "2025-01-01"}, "earlier than the current report"),
        ({"wait_weeks": "", "referrals_open": "no"}, "give wait_weeks too"),
        ({"wait_weeks": "   ", "referrals_open": "no"}, "give wait_weeks too"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_its_number(services, edit, message):
    waiting = services["waiting"]
    WaitingTimeReportFactory(service=waiting, weeks=8, as_of=date(2025, 6, 1))
    states = {s.public_id: s for s in bulk_update.current_states()}
    row = {"service_id": str(waiting.public_id), "status": "active", "wait_weeks": "8", "referrals_open": "yes",
           "wait_as_of": "2025-06-01"} | edit
    text = ",".join(bulk_update.COLUMNS) + "\n" + ",".join(row.get(c, "") for c in bulk_update.COLUMNS) + "\n"
    result = bulk_update.check_upload(text, states, today=TODAY)
    assert len(result.errors) == 1 and result.errors[0].startswith("Row 2: ")
    assert message in result.errors[0]


@pytest.mark.parametrize("cell", ["3 weeks", "3 wks", "3 wythnos", " 3 Weeks. "])
def test_a_wait_is_taken_as_the_dashboards_wait_box_takes_it(services, cell):
    # The dashboard's box took "6 weeks"; the same file refused it as not a whole number.
    never = services["never"]
    states = {s.public_id: s for s in bulk_update.current_states()}
    text = ",".join(bulk_update.COLUMNS) + "\n" + f"{never.public_id},,,active,{cell},yes,30/06/2024\n"
    result = bulk_update.check_upload(text, states, today=TODAY)
    assert result.errors == [] and result.changes[0].wait == (3, True, date(2024, 6, 30))


@pytest.mark.parametrize("cell", ["521 weeks", "-1 weeks", "3 months", "3.5 weeks"])
def test_a_wait_the_dashboards_wait_box_refuses_is_refused(services, cell):
    never = services["never"]
    states = {s.public_id: s for s in bulk_update.current_states()}
    text = ",".join(bulk_update.COLUMNS) + "\n" + f"{never.public_id},,,active,{cell},yes,30/06/2024\n"
    result = bulk_update.check_upload(text, states, today=TODAY)
    assert result.changes == []
    assert result.errors == [f"Row 2: wait_weeks must be a whole number from 0 to 520, not \u201c{cell}\u201d"]


@pytest.mark.parametrize("as_of", ["0001-01-01", "2006-06-30", "29/06/2024"])
def test_a_new_wait_dated_more_than_a_year_ago_is_refused_as_a_typed_year(services, as_of):
    # "0001" or "2006" for "2026" was saved, and the listing said "as of 1 Jan 0001, 739956 days ago".
    never = services["never"]
    states = {s.public_id: s for s in bulk_update.current_states()}
    text = ",".join(bulk_update.COLUMNS) + "\n" + f"{never.public_id},,,active,3,yes,{as_of}\n"
    result = bulk_update.check_upload(text, states, today=TODAY)
    assert result.changes == []
    assert len(result.errors) == 1 and "is more than a year ago: give the date the wait was given" in result.errors[0]


def test_a_new_wait_dated_within_the_last_year_is_taken(services):
    never = services["never"]
    states = {s.public_id: s for s in bulk_update.current_states()}
    text = ",".join(bulk_update.COLUMNS) + "\n" + f"{never.public_id},,,active,3,yes,30/06/2024\n"
    result = bulk_update.check_upload(text, states, today=TODAY)
    assert result.errors == [] and result.changes[0].wait == (3, True, date(2024, 6, 30))


def test_a_row_left_with_its_old_downloaded_date_is_not_refused_for_its_age(services):
    # A listing whose wait is years old downloads with that date: the row asks for nothing.
    old = ServiceFactory(name="Old wait")
    WaitingTimeReportFactory(service=old, weeks=4, as_of=date(2020, 1, 1))
    states = {s.public_id: s for s in bulk_update.current_states()}
    text = ",".join(bulk_update.COLUMNS) + "\n" + f"{old.public_id},,,active,4,yes,2020-01-01\n"
    result = bulk_update.check_upload(text, states, today=TODAY)
    assert result.errors == [] and result.changes == []


def test_a_new_date_with_the_same_wait_is_a_reconfirmation(services):
    waiting = services["waiting"]
    state = next(s for s in bulk_update.current_states() if s.public_id == waiting.public_id)
    text = (",".join(bulk_update.COLUMNS) + "\n"
            f"{waiting.public_id},,,active,8,yes,{date.today().isoformat()}\n")
    result = bulk_update.check_upload(text, {state.public_id: state}, today=date.today())
    assert result.errors == []
    assert result.changes[0].wait == (8, True, date.today())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"service_id,status\n", "no wait_weeks, referrals_open, wait_as_of column"),
        (",".join(bulk_update.COLUMNS).encode() + b"\n", "no rows under its header"),
        ("service_id,status,wait_weeks,referrals_open,wait_as_of\nx,Caf\u00e9,,,\n".encode("cp1252"), "not UTF-8"),
    ],
)
def test_files_that_cannot_be_read_get_one_clear_error(moderator_client, services, content, message):
    response = _upload_bytes(moderator_client, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Fix this row" not in response.content.decode()  # a whole-file error has no row to fix


def test_a_file_over_the_limit_is_refused_without_being_read_whole(moderator_client, services, monkeypatch):
    read = []
    decode = bulk_update.decode_upload
    monkeypatch.setattr(bulk_update, "decode_upload", lambda raw: (read.append(len(raw)), decode(raw))[1])

    response = _upload_bytes(moderator_client, b"x" * (bulk_update.MAX_BYTES * 3))

    assert response.status_code == 400
    assert "The file is larger than 2 MB." in response.content.decode()
    assert read == [bulk_update.MAX_BYTES + 1]


def test_no_file_at_all_is_an_error_not_a_crash(moderator_client, services):
    response = moderator_client.post(PAGE, {})
    assert response.status_code == 400
    assert "Choose the CSV file to upload" in response.content.decode()


@pytest.mark.parametrize("name", ['=HYPERLINK("http://example.com/x","Open")', "+1+1", "-2+3", "@SUM(1,1)",
                                  "\tTabbed"])
def test_a_name_a_spreadsheet_would_run_as_a_formula_is_downloaded_as_text(moderator_client, services, name):
    # Service names are written by providers; the file is opened by moderators, often in Excel.
    services["waiting"].name = name
    services["waiting"].save()
    rows = {row["service_id"]: row for row in _download(moderator_client)}
    assert rows[str(services["waiting"].public_id)]["service"] == "'" + name
    assert rows[str(services["never"].public_id)]["service"] == "No wait reported"  # others as they are


def _cells_as_a_semicolon_spreadsheet_splits_them(text: str) -> list[str]:
    """The file's cells as a spreadsheet whose list separator is ";" reads a file with commas: a cell
    at every ";" and a row at every line break, as no cell of it starts with a quote there."""
    return [cell for line in re.split(r"[\r\n]", text) for cell in line.split(";")]


@pytest.mark.parametrize("name", ['Counselling;=HYPERLINK("http://example.com/x","Open")', "Line one\n+1+1",
                                  "Line one\r\n@SUM(1,1)", "a;-2+3;\tb"])
def test_a_formula_after_a_semicolon_or_line_break_is_downloaded_as_text(moderator_client, services, name):
    # OWASP: a formula may also start a cell at a separator inside the text; moderators' spreadsheets
    # save files with ";" (the upload reads them), so some read ";" as the separator.
    services["waiting"].name = name
    services["waiting"].save()
    text = moderator_client.get(DOWNLOAD).content.decode("utf-8-sig")
    cells = _cells_as_a_semicolon_spreadsheet_splits_them(text)
    assert [cell for cell in cells if cell.startswith(bulk_update.FORMULA_STARTS)] == []
    # Read as a comma-separated file, the name is still all there, each formula marked as text.
    rows = {row["service_id"]: row for row in _download(moderator_client)}
    assert rows[str(services["waiting"].public_id)]["service"].replace("'", "") == name


def test_a_downloaded_file_with_such_a_name_uploads_unchanged(moderator_client, services):
    services["waiting"].name = "=1+1"
    services["waiting"].save()
    response = _upload(moderator_client, _download(moderator_client))
    assert response.status_code == 302  # nothing to change
    assert Service.objects.get(pk=services["waiting"].pk).name == "=1+1"


def _as_excel_saves_it(rows: list[dict], *, delimiter: str = ",") -> bytes:
    """The downloaded file opened and saved by Excel ("CSV UTF-8") on a UK computer: dates shown
    and written back as 31/01/2025, CRLF line endings, a byte-order mark."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=bulk_update.COLUMNS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        as_of = row["wait_as_of"]
        writer.writerow(row | {"wait_as_of": date.fromisoformat(as_of).strftime("%d/%m/%Y") if as_of else ""})
    return "\ufeff".encode() + out.getvalue().encode()


def test_a_file_saved_by_excel_with_uk_dates_is_read(moderator_client, services):
    # Excel rewrites 2025-06-10 as 10/06/2025 when it opens and saves the file: every row with a wait
    # was refused ("wait_as_of must be a date like 2025-01-31") and nothing could be uploaded.
    rows = _download(moderator_client)
    unchanged = _upload_bytes(moderator_client, _as_excel_saves_it(rows))
    assert unchanged.status_code == 302
    assert "none of the file’s 2 rows changes anything" in moderator_client.get(unchanged["Location"]).content.decode()
    waiting = next(row for row in rows if row["service"] == "Waiting service")
    waiting |= {"wait_weeks": "3", "wait_as_of": date.today().isoformat()}
    response = _confirm(moderator_client, _upload_bytes(moderator_client, _as_excel_saves_it(rows)))
    assert response.status_code == 302
    latest = services["waiting"].waiting_times.order_by("-as_of", "-recorded_at").first()
    assert (latest.weeks, latest.as_of) == (3, date.today())


def test_a_file_saved_with_semicolons_between_columns_is_read(moderator_client, services):
    # A spreadsheet set up for a language that writes decimals with a comma saves CSV with semicolons:
    # the upload said the file had no service_id column, though it plainly had.
    rows = _download(moderator_client)
    next(row for row in rows if row["service"] == "Waiting service")["wait_weeks"] = "5"
    response = _confirm(moderator_client, _upload_bytes(moderator_client, _as_excel_saves_it(rows, delimiter=";")))
    assert response.status_code == 302
    assert services["waiting"].waiting_times.order_by("-as_of", "-recorded_at").first().weeks == 5


def _set_status(service: Service, status: str) -> None:
    """A change to the live status made on the site (an approved change, a moderator's edit): one history record."""
    service.status = status
    service.save()


def test_a_file_downloaded_before_a_status_change_does_not_undo_it(moderator_client, services):
    # A moderator downloads the file in the morning; a provider's "referrals paused" is approved at noon;
    # the afternoon's upload of the morning's file, that row untouched, set it back to "active" and said
    # "1 statuses changed": social workers were shown a paused service as taking referrals.
    rows = _download(moderator_client)
    _set_status(services["waiting"], Service.Status.PAUSED)
    next(row for row in rows if row["service"] == "No wait reported")["status"] = "closed"  # the moderator's edit
    response = _save(moderator_client, rows)
    assert response.status_code == 302
    services["waiting"].refresh_from_db()
    services["never"].refresh_from_db()
    assert services["waiting"].status == Service.Status.PAUSED
    assert services["never"].status == Service.Status.CLOSED
    assert b"1 status changed and 0 waiting times recorded. 1 row had no changes." in (
        moderator_client.get(response["Location"]).content
    )


def test_a_file_downloaded_before_a_wait_was_given_does_not_undo_it(moderator_client, services):
    # The same day: the provider's new wait (12 weeks, closed to referrals) was replaced by the file's old
    # one, dated today, as if the moderator had given it.
    waiting = services["waiting"]
    WaitingTimeReportFactory(service=waiting, weeks=8, as_of=date.today())
    rows = _download(moderator_client)
    WaitingTimeReportFactory(service=waiting, weeks=12, referrals_open=False, as_of=date.today())
    before = WaitingTimeReport.objects.count()
    response = _upload(moderator_client, rows)
    assert response.status_code == 302
    assert WaitingTimeReport.objects.count() == before
    latest = waiting.waiting_times.order_by("-as_of", "-recorded_at", "-id").first()
    assert (latest.weeks, latest.referrals_open) == (12, False)


def test_a_row_changed_in_the_file_and_on_the_site_since_is_refused(moderator_client, services):
    rows = _download(moderator_client)
    _set_status(services["waiting"], Service.Status.PAUSED)
    WaitingTimeReportFactory(service=services["never"], weeks=4, as_of=date.today())
    next(row for row in rows if row["service"] == "Waiting service")["status"] = "closed"
    next(row for row in rows if row["service"] == "No wait reported")["wait_weeks"] = "6"
    response = _upload(moderator_client, rows)
    assert response.status_code == 400
    page = response.content.decode()
    assert "the status was changed on the site to “paused” after this file was downloaded" in page
    assert "the wait was changed on the site after this file was downloaded" in page
    services["waiting"].refresh_from_db()
    assert services["waiting"].status == Service.Status.PAUSED
    assert list(services["never"].waiting_times.values_list("weeks", flat=True)) == [4]


@pytest.mark.parametrize("value", ["yesterday", "31/02/2025 10:00"])
def test_a_downloaded_at_that_is_not_a_time_is_said(moderator_client, services, value):
    rows = [row | {"downloaded_at": value} for row in _download(moderator_client)]
    response = _upload(moderator_client, rows)
    assert response.status_code == 400
    assert f"The downloaded_at column must be left as downloaded, not “{value}”" in response.content.decode()


def test_a_downloaded_at_as_excel_writes_it_back_is_read(services):
    assert bulk_update.downloaded_at(
        ",".join(bulk_update.COLUMNS) + f"\n{services['waiting'].public_id},,,active,8,yes,,06/12/2026 19:41\n"
    ) == timezone.make_aware(datetime(2026, 12, 6, 19, 41))


def test_a_file_without_downloaded_at_is_checked_against_the_services_as_they_are(moderator_client, services):
    # One made by hand, or downloaded before the column was added: nothing to compare with.
    rows = _download(moderator_client)
    _set_status(services["waiting"], Service.Status.PAUSED)
    response = _save(moderator_client, rows, header=bulk_update.COLUMNS[:-1])
    assert response.status_code == 302
    services["waiting"].refresh_from_db()
    assert services["waiting"].status == Service.Status.ACTIVE


def test_a_file_that_cannot_be_read_is_said_in_welsh_on_the_welsh_page(moderator_client, services):
    # The message was made once, at import, in English: the Welsh page showed it in English. (A field
    # longer than the csv module's limit is a file it cannot read.)
    response = moderator_client.post(
        f"/cy{PAGE}",
        {"csv_file": SimpleUploadedFile("waits.csv", ",".join(bulk_update.COLUMNS).encode() + b"\n" + b"x" * 140_000)},
    )
    assert response.status_code == 400
    assert "ffeil CSV y gallwn ei darllen" in response.content.decode()


def test_a_row_changed_on_the_site_since_is_said_in_welsh_on_the_welsh_page(moderator_client, services):
    rows = _download(moderator_client)
    _set_status(services["waiting"], Service.Status.PAUSED)
    next(row for row in rows if row["service"] == "Waiting service")["status"] = "closed"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=bulk_update.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    response = moderator_client.post(f"/cy{PAGE}", {"csv_file": SimpleUploadedFile("w.csv", out.getvalue().encode())})
    assert response.status_code == 400
    assert "newidiwyd y statws ar y wefan i “paused” ar ôl" in response.content.decode()


# --- check, then confirm ------------------------------------------------------------------------


def _close_everything(rows: list[dict]) -> list[dict]:
    """The mistake the check page is for: "closed" filled down the status column."""
    return [row | {"status": "closed"} for row in rows]


def test_an_upload_shows_the_changes_to_check_and_saves_nothing(moderator_client, services):
    # An upload was saved at once: one file with "closed" filled down closed every listing.
    rows = _download(moderator_client)
    next(row for row in rows if row["service"] == "Waiting service")["wait_weeks"] = "3"
    next(row for row in rows if row["service"] == "No wait reported")["status"] = "paused"
    before = _directory_state()
    response = _upload(moderator_client, rows)
    assert response.status_code == 200
    assert _directory_state() == before
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">Check the changes before you save them</h1>' in page
    assert re.search(r"Statuses changed</dt>\s*<dd[^>]*>1 \(1 to closed or paused\)</dd>", page)
    assert re.search(r"Waiting times recorded</dt>\s*<dd[^>]*>1</dd>", page)
    assert re.search(r"Rows with no changes</dt>\s*<dd[^>]*>0</dd>", page)
    never = services["never"]
    assert f'<a class="govuk-link" href="/services/{never.public_id}/">No wait reported</a>' in page
    assert 'Taking referrals <span aria-hidden="true">→</span>' in page and "<strong>Referrals paused</strong>" in page
    assert f'3 weeks, Referrals open</td>\n      <td class="govuk-table__cell">{date.today():%-d %B %Y}</td>' in page
    assert "Confirm and save" in page
    assert '<a class="govuk-link" href="/moderation/waits/">Cancel</a>' in page


def test_confirming_saves_the_changes_that_were_checked(moderator_client, services):
    rows = _close_everything(_download(moderator_client))
    response = _save(moderator_client, rows)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert set(Service.objects.values_list("status", flat=True)) == {Service.Status.CLOSED}
    assert b"Saved: 2 statuses changed and 0 waiting times recorded. 0 rows had no changes." in (
        moderator_client.get(PAGE).content
    )


def test_cancel_saves_nothing(moderator_client, services):
    before = _directory_state()
    check_page = _upload(moderator_client, _close_everything(_download(moderator_client)))
    cancel = re.search(r'<a class="govuk-link" href="([^"]+)">Cancel</a>', check_page.content.decode())[1]
    assert moderator_client.get(cancel).status_code == 200
    assert _directory_state() == before


def test_many_listings_closed_at_once_get_a_warning_that_takes_the_focus(moderator_client, services):
    page = _upload(moderator_client, _close_everything(_download(moderator_client))).content.decode()
    warning = re.search(r'<div class="govuk-notification-banner" role="alert"[^>]*>.*?</div>\s*</div>', page, re.S)
    assert warning is not None  # role="alert": GOV.UK Frontend focuses it, so it is read out first
    assert "This file closes or pauses 2 services (100% of the directory)." in warning[0]


def test_a_change_or_two_in_a_large_directory_gets_no_warning():
    def summary(closing: int, services: int) -> bulk_update.CheckSummary:
        return bulk_update.CheckSummary([], closing, closing, 0, 0, services)

    assert not summary(0, 10).warn
    assert not summary(1, 100).warn
    assert not summary(5, 100).warn
    assert summary(6, 100).warn  # more than a handful
    assert summary(2, 10).warn  # a fifth of the directory


def test_a_long_list_of_changes_is_cut_and_says_how_many_more(moderator_client, services, monkeypatch):
    monkeypatch.setattr(bulk_update, "SHOW_CHANGES", 1)
    page = _upload(moderator_client, _close_everything(_download(moderator_client))).content.decode()
    assert page.count('<tr class="govuk-table__row">\n      <th scope="row"') == 1
    assert "And 1 more change, not listed here. Confirming saves every change in the file." in page


@pytest.mark.parametrize(
    "alter",
    [lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"), lambda token: "", lambda token: "x:y:z"],
    ids=["altered", "missing", "made-up"],
)
def test_a_tampered_token_is_refused_and_saves_nothing(moderator_client, services, alter):
    before = _directory_state()
    token = _token(_upload(moderator_client, _close_everything(_download(moderator_client))))
    response = moderator_client.post(CONFIRM, {"check": alter(token)})
    assert response.status_code == 400
    assert "This check has expired or could not be read, so nothing was saved. Upload the file again." in (
        response.content.decode()
    )
    assert "govuk-error-summary" in response.content.decode()
    assert _directory_state() == before


def test_a_token_from_another_moderators_check_is_refused(moderator_client, services):
    token = _token(_upload(moderator_client, _close_everything(_download(moderator_client))))
    with pytest.raises(ValueError, match="expired or could not be read"):
        bulk_update.unsign_check(token, user_id=UserFactory().pk)


def test_a_check_more_than_an_hour_old_has_expired(services):
    states = {state.public_id: state for state in bulk_update.current_states()}
    token = bulk_update.sign_check("text", [], states, user_id=1, today=date(2026, 5, 1))
    assert bulk_update.unsign_check(token, user_id=1) == ("text", bulk_update.fingerprint([], states), date(2026, 5, 1))
    with time_machine.travel(timezone.now() + timedelta(minutes=61)), pytest.raises(ValueError, match="expired"):
        bulk_update.unsign_check(token, user_id=1)


def test_a_check_made_before_midnight_can_be_confirmed_after_it(moderator_client, services):
    # A wait whose date was left blank is dated the day of the check: confirmed after midnight it was
    # dated the next day, which made the changes differ from those checked, and the file was refused
    # as "changed on the site after you checked the file", which it had not been.
    day = date.today()
    evening = datetime(day.year, day.month, day.day, 23, 50, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(evening, tick=False):
        # Signed in that evening: a session lasts 8 hours, and run just after midnight this evening
        # is nearly a day ahead of the fixture's sign-in.
        moderator_client.force_login(get_user_model().objects.get(email="mod@example.org"))
        rows = _download(moderator_client)
        row = next(row for row in rows if row["service"] == "Waiting service")
        row |= {"wait_weeks": "3", "wait_as_of": ""}
        check_page = _upload(moderator_client, rows)
    with time_machine.travel(evening + timedelta(minutes=20), tick=False):
        response = _confirm(moderator_client, check_page)
    assert response.status_code == 302, response.content.decode()[:3000]
    latest = services["waiting"].waiting_times.order_by("-as_of").values_list("weeks", "as_of").first()
    assert latest == (3, day)  # as the check page showed it


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite lets one transaction write at a time"
)
@pytest.mark.django_db(transaction=True)
def test_the_services_in_a_file_stay_locked_from_the_check_on_confirm_to_the_save(client, monkeypatch):
    # Nothing was locked between confirm's check and the save: a wait reported in between was
    # saved, then the file's older one on top of it, as if the check had seen it.
    client.force_login(moderator_create(email="mod@example.org", password="a-long-test-password").user)
    waiting = ServiceFactory(name="Waiting service")
    WaitingTimeReportFactory(service=waiting, weeks=8, as_of=date.today() - timedelta(days=20))
    rows = _download(client)
    rows[0]["wait_weeks"] = "3"
    check_page = _upload(client, rows)
    tried: list[str] = []
    check_file = bulk_update.check_file

    def report_a_wait_from_another_connection() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '200ms'")
                WaitingTimeReportFactory(service=waiting, weeks=1, as_of=date.today())
            tried.append("saved")
        except OperationalError:
            tried.append("waited for the lock")
        finally:
            connection.close()

    def check_file_while_a_wait_is_reported(text, *, today):
        result = check_file(text, today=today)
        other = threading.Thread(target=report_a_wait_from_another_connection)
        other.start()
        other.join()
        return result

    monkeypatch.setattr(bulk_update, "check_file", check_file_while_a_wait_is_reported)
    assert _confirm(client, check_page).status_code == 302
    assert tried == ["waited for the lock"]
    assert list(waiting.waiting_times.order_by("recorded_at").values_list("weeks", flat=True)) == [8, 3]


def test_a_file_confirmed_twice_is_saved_once(moderator_client, services):
    rows = _download(moderator_client)
    next(row for row in rows if row["service"] == "Waiting service")["wait_weeks"] = "3"
    check_page = _upload(moderator_client, rows)
    assert _confirm(moderator_client, check_page).status_code == 302
    after = _directory_state()
    assert _confirm(moderator_client, check_page).status_code == 400  # a second press, or the back button
    assert _directory_state() == after


@pytest.mark.parametrize("downloaded_at", [True, False], ids=["downloaded-file", "file-without-downloaded-at"])
def test_a_service_changed_on_the_site_between_check_and_confirm_refuses_the_file(
    moderator_client, services, downloaded_at
):
    rows = _download(moderator_client)
    next(row for row in rows if row["service"] == "Waiting service")["status"] = "closed"
    header = bulk_update.COLUMNS if downloaded_at else bulk_update.COLUMNS[:-1]
    check_page = _upload(moderator_client, rows, header=header)
    _set_status(services["waiting"], Service.Status.PAUSED)  # approved while the moderator read the check page
    before = _directory_state()
    response = _confirm(moderator_client, check_page)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page or "nothing was saved" in page
    if downloaded_at:  # the row-by-row check against the download, as on upload
        assert "the status was changed on the site to “paused” after this file was downloaded" in page
    else:
        assert "A service in the file was changed on the site after you checked the file" in page
    assert _directory_state() == before


def test_a_new_wait_given_on_the_site_between_check_and_confirm_refuses_the_file(moderator_client, services):
    rows = _download(moderator_client)
    next(row for row in rows if row["service"] == "No wait reported")["status"] = "paused"
    check_page = _upload(moderator_client, rows)
    WaitingTimeReportFactory(service=services["never"], weeks=4, as_of=date.today())
    before = _directory_state()
    response = _confirm(moderator_client, check_page)
    assert response.status_code == 400
    assert "A service in the file was changed on the site after you checked the file" in response.content.decode()
    assert _directory_state() == before


def test_going_to_the_confirm_address_leads_to_the_upload_page(moderator_client, services):
    response = moderator_client.get(CONFIRM)
    assert response.status_code == 302 and response["Location"] == PAGE


def test_the_check_page_and_its_warning_are_in_welsh_on_the_welsh_page(moderator_client, services):
    rows = _close_everything(_download(moderator_client))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=bulk_update.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    check_page = moderator_client.post(f"/cy{PAGE}", {"csv_file": SimpleUploadedFile("w.csv", out.getvalue().encode())})
    assert check_page.status_code == 200
    page = check_page.content.decode()
    assert '<h1 class="govuk-heading-l">Gwiriwch y newidiadau cyn eu cadw</h1>' in page
    assert "Mae'r ffeil hon yn cau neu'n oedi 2 wasanaeth (100% o'r cyfeiriadur)." in page.replace("&#x27;", "'")
    assert "Cadarnhau a chadw" in page
    assert f'action="/cy{CONFIRM}"' in page
    response = _confirm(moderator_client, check_page, path=f"/cy{CONFIRM}")
    assert response.status_code == 302 and response["Location"] == f"/cy{PAGE}"
    assert set(Service.objects.values_list("status", flat=True)) == {Service.Status.CLOSED}
    saved = moderator_client.get(f"/cy{PAGE}").content.decode().replace("&#x27;", "'")
    assert "Wedi'i gadw: newidiwyd 2 statws a chofnodwyd 0 amser aros. Nid oedd newidiadau mewn 0 rhes." in saved


def test_a_check_page_left_open_for_more_than_an_hour_asks_to_upload_again(moderator_client, services):
    before = _directory_state()
    token = _token(_upload(moderator_client, _close_everything(_download(moderator_client))))
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        response = moderator_client.post(CONFIRM, {"check": token})
    assert response.status_code == 400
    assert "This check has expired or could not be read" in response.content.decode()
    assert _directory_state() == before


def _check_page_text(response) -> str:
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode().replace("&#x27;", "'")


def test_the_check_page_flags_an_unusually_long_wait_in_years_and_months(moderator_client, services):
    # "200" typed for "20" in one cell was listed as "200 weeks" among the rest, and published as nearly 4 years.
    rows = _download(moderator_client)
    next(row for row in rows if row["service"] == "Waiting service")["wait_weeks"] = "200"
    next(row for row in rows if row["service"] == "No wait reported")["wait_weeks"] = "104"
    page = _check_page_text(_upload(moderator_client, rows))

    warning = page[page.index('id="unusual-waits"'):page.index("<table")]
    assert "1 new wait is over 104 weeks. Check it before you confirm" in warning
    assert "Waiting service: 200 weeks, about 3 years and 10 months" in warning
    assert "No wait reported" not in warning  # two years is not flagged
    assert "Check: about 3 years and 10 months" in page[page.index("<table"):]
    # Flagged, not refused: confirming saves it.
    assert _confirm(moderator_client, _upload(moderator_client, rows)).status_code == 302
    assert WaitingTimeReport.objects.filter(service=services["waiting"]).order_by("-recorded_at").first().weeks == 200


def test_a_long_wait_the_service_already_gives_or_an_ordinary_file_is_not_flagged(moderator_client, services):
    WaitingTimeReportFactory(service=services["waiting"], weeks=150, as_of=date.today() - timedelta(days=1))
    rows = _download(moderator_client)
    next(row for row in rows if row["service"] == "Waiting service")["wait_as_of"] = date.today().isoformat()
    next(row for row in rows if row["service"] == "No wait reported")["wait_weeks"] = "12"
    page = _check_page_text(_upload(moderator_client, rows))
    assert 'id="unusual-waits"' not in page and "Check: about" not in page


def test_the_long_wait_flag_is_in_welsh_on_the_welsh_page(moderator_client, services):
    rows = _download(moderator_client)
    next(row for row in rows if row["service"] == "Waiting service")["wait_weeks"] = "200"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=bulk_update.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    page = _check_page_text(
        moderator_client.post(f"/cy{PAGE}", {"csv_file": SimpleUploadedFile("w.csv", out.getvalue().encode())})
    )
    assert "Mae 1 amser aros newydd dros 104 wythnos. Gwiriwch ef cyn cadarnhau" in page
    assert "Waiting service: 200 wythnos, tua 3 o flynyddoedd, 10 mis" in page
    assert "Gwiriwch: tua 3 o flynyddoedd, 10 mis" in page


@pytest.mark.parametrize("cell", ["status", "wait_weeks", "referrals_open", "wait_as_of", "service_id"])
def test_a_very_long_cell_is_quoted_back_cut_short(services, cell):
    # A paragraph pasted into the wrong column filled the error summary with all of it.
    waiting = services["waiting"]
    states = {s.public_id: s for s in bulk_update.current_states()}
    row = {"service_id": str(waiting.public_id), "status": "active", "wait_weeks": "3", "referrals_open": "yes"}
    row[cell] = "ŵ" * 5000
    text = ",".join(bulk_update.COLUMNS) + "\n" + ",".join(row.get(c, "") for c in bulk_update.COLUMNS) + "\n"
    result = bulk_update.check_upload(text, states, today=date.today())
    assert len(result.errors) == 1
    assert "ŵ" * 50 + "…”" in result.errors[0] and "ŵ" * 51 not in result.errors[0]


def test_a_very_long_downloaded_at_is_quoted_back_cut_short():
    text = ",".join(bulk_update.COLUMNS) + "\n" + ",".join(["x"] * 7 + ["9" * 5000]) + "\n"
    with pytest.raises(ValueError) as error:
        bulk_update.downloaded_at(text)
    assert "9" * 50 + "…”" in str(error.value) and "9" * 51 not in str(error.value)
