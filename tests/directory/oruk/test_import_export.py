"""import_oruk and export_oruk: real quirky feeds, all-or-nothing, dry runs, the round trip."""

from __future__ import annotations

import gc
import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory.listings.services import change_approve
from directory.models import (
    Area,
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    ServiceChange,
    Taxonomy,
    TaxonomyTerm,
    WaitingTimeReport,
)
from directory.oruk import bulk_import
from directory.oruk.exporter import write_export
from directory.oruk.sources import FeedText, read_file
from tests.directory.oruk.hsds_schemas import schema_errors

SAMPLES = Path(__file__).resolve().parent / "samples"
MODELS = (Organisation, Service, Location, ServiceAtLocation, WaitingTimeReport, Taxonomy, TaxonomyTerm, Area)


def run_import(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_oruk", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def export_text(ndjson: bool = False) -> str:
    stream = io.StringIO()
    write_export(stream, ndjson=ndjson)
    return stream.getvalue()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def empty_the_directory() -> None:
    WaitingTimeReport.objects.all().delete()
    ServiceAtLocation.objects.all().delete()
    Service.objects.all().delete()
    Location.objects.all().delete()
    Organisation.objects.all().delete()
    TaxonomyTerm.objects.all().delete()
    Taxonomy.objects.all().delete()


def test_export_then_import_into_an_empty_directory_then_export_gives_the_same_documents(feed, tmp_path):
    first = tmp_path / "feed.json"
    call_command("export_oruk", str(first), stdout=io.StringIO())
    assert len(json.loads(first.read_text())) == len(feed.services)
    empty_the_directory()
    out, _err = run_import(first)
    assert "Saved: 5 new, 0 updated, 0 unchanged, 0 rejected, of 5 records" in out
    assert export_text() == first.read_text()
    # The same facts again change nothing.
    out, _err = run_import(first)
    assert "Nothing changed: 0 new, 0 updated, 5 unchanged" in out


def test_the_ndjson_export_round_trips_too(feed, tmp_path):
    path = tmp_path / "feed.ndjson"
    call_command("export_oruk", str(path), stdout=io.StringIO())
    before = path.read_text()
    assert len(before.splitlines()) == 5
    empty_the_directory()
    run_import(path)
    assert export_text(ndjson=True) == before


def test_an_ndjson_feed_with_line_separators_inside_its_strings_imports_whole(feed, tmp_path):
    """Another publisher's NDJSON written by a plain `json.dumps(..., ensure_ascii=False)` (as our
    export did before session 13) leaves U+2028, U+0085 and form feeds raw inside strings; only
    "\\n" ends a line."""
    description = "First part\u2028second part\u0085third\x0cfourth"
    service = feed.cardiff_therapy
    service.description = description
    service.save()
    documents = json.loads(export_text())
    path = tmp_path / "feed.ndjson"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\r\n" for d in documents), encoding="utf-8")
    assert len(path.read_text().splitlines()) > len(documents)  # what a split at every line break would see
    empty_the_directory()

    out, err = run_import(path)

    assert f"Saved: {len(documents)} new" in out, err
    assert Service.objects.get(public_id=service.public_id).description == description


def test_exported_documents_are_valid_service_records(feed):
    for document in json.loads(export_text()):
        assert schema_errors(document, "/services/{id}") == []


def test_the_bristol_oruk3_record_imports_with_its_quirks_normalised(wales_areas):
    out, _err = run_import(SAMPLES / "oruk3" / "bristol_service_2a3483ea.json")
    assert "Saved: 1 new" in out
    assert "date-time without a time zone, read as UK time" in out
    assert "HTML description converted to plain text" in out
    service = Service.objects.get(public_id="2a3483ea-8966-4f50-9dc3-7bafa1e5c623")
    assert service.description.startswith("About Us\n\n1625 Independent People works")
    assert "<p>" not in service.description
    assert (service.age_min, service.age_max) == (0, 25)
    assert service.last_confirmed_at == date(2025, 9, 2)
    assert service.updated_at.isoformat() == "2025-09-02T11:06:15.654000+00:00"
    assert service.referral_phone == "01632 960213"
    assert service.organisation.name == "1625 Independent People"
    assert set(service.raw_extensions) >= {"pc_metadata", "pc_targetAudience", "url", "contacts",
                                           "service_areas_unmapped"}
    assert [a["name"] for a in service.raw_extensions["service_areas_unmapped"]] == ["Bristol", "South Gloucestershire"]


def test_a_bristol_description_shows_where_its_links_lead_and_spaces_as_a_browser_would(wales_areas, client):
    """2 Way St's HTML said "a booking form either via <a href=…facebook…>Facebook</a> or&nbsp;01632…":
    the page said "via Facebook" and not where, and "Twitter page:" was glued to its long address by
    the &nbsp;, so a phone broke the address mid-word."""
    run_import(SAMPLES / "oruk3" / "bristol_services_page1.json")
    service = Service.objects.get(public_id="93657689-252d-5a77-de87-42ca43452b0e")
    change_approve(change=ServiceChange.objects.get(service=service), by=None)

    page = client.get(f"/services/{service.public_id}/").content.decode()

    assert ("a booking form either via Facebook (https://www.facebook.com/2waystbristol/?ref=page_internal) "
            "or 01632 960718") in page
    assert "Twitter page: https://twitter.com/2waystAt2wayst<" in page  # said once: the link showed its address
    assert "\xa0" not in Service.objects.get(pk=service.pk).description


def test_an_area_over_the_border_an_import_adds_has_its_welsh_name(feed, tmp_path):
    """An ONS area new to the directory is added with the feed's name; the Welsh pages showed it in
    English ("Bristol") where Welsh has a standard name ("Bryste")."""
    document = json.loads(export_text())[0]
    bristol = {"id": "8b1f0c6e-0000-4000-8000-000000000001", "name": "Bristol, City of",
               "uri": "http://statistics.data.gov.uk/id/statistical-geography/E06000023"}
    telford = {"id": "8b1f0c6e-0000-4000-8000-000000000002", "name": "Telford and Wrekin",
             "uri": "http://statistics.data.gov.uk/id/statistical-geography/E06000020"}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document | {"service_areas": [*document["service_areas"], bristol, telford]}]))

    out, err = run_import(path)

    assert "1 updated" in out, err
    assert (Area.objects.get(code="E06000023").name_cy, Area.objects.get(code="E06000020").name_cy) == ("Bryste", "")


def test_imported_quirky_records_are_published_valid(wales_areas, api):
    run_import(SAMPLES / "oruk3" / "bristol_services_page1.json")
    assert Service.objects.filter(public_id="93657689-252d-5a77-de87-42ca43452b0e").exists()
    # Their records state none of our criteria, so they wait for a moderator: approved as they stand.
    for change in ServiceChange.objects.filter(state=ServiceChange.State.PENDING):
        change_approve(change=change, by=None)
    body = api("services", full="true").json()
    assert body["total_items"] == 3
    assert schema_errors(body, "/services") == []
    for item in body["contents"]:
        assert schema_errors(api(f"services/{item['id']}").json(), "/services/{id}") == []
    assert "93657689-252d-5a77-de87-42ca43452b0e" in {item["id"] for item in body["contents"]}


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("oruk1-legacy/buckinghamshire_outpost_services_page_1.json", "id 6378 is a number, not a UUID"),
        ("oruk1-legacy/buckinghamshire_outpost_service_response.json", "id 6378 is a number, not a UUID"),
        ("oruk1-legacy/bristol_placecube_organisations.json", "no status: not a service record"),
    ],
)
def test_legacy_and_non_service_files_are_rejected_per_record_and_change_nothing(feed, sample, reason):
    before = counts()
    before_export = export_text()
    with pytest.raises(CommandError, match="nothing was imported"):
        run_import(SAMPLES / sample)
    assert counts() == before
    assert export_text() == before_export


def test_every_rejected_record_is_listed_with_its_id(db):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_oruk", str(SAMPLES / "oruk1-legacy" / "buckinghamshire_outpost_services_page_1.json"),
                     stdout=io.StringIO(), stderr=err)
    listed = [line for line in err.getvalue().splitlines() if line.startswith("  rejected service ")]
    assert len(listed) == 50
    assert "  rejected service 6378: id 6378 is a number, not a UUID (an ORUK 1.0-era feed?)" in listed


def test_rejections_are_counted_by_reason_whatever_value_each_record_had(db):
    """Each message names its record's value ("id 6378 is a number"), and the summary grouped by the
    whole message: 50 lines of "1 x id NNNN is a number, not a UUID" instead of one count."""
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_oruk", str(SAMPLES / "oruk1-legacy" / "buckinghamshire_outpost_services_page_1.json"),
                     stdout=io.StringIO(), stderr=err)
    summary = err.getvalue().split("Rejected, by reason:\n", 1)[1].splitlines()
    assert summary == ["  50 x id … is a number, not a UUID"]


def test_a_file_none_of_whose_records_can_be_imported_says_so_and_offers_no_skip(db):
    """A file of 860 organisations: "fix them, or use --skip-invalid to import the rest" sent an ops
    person to a second run that imports nothing."""
    with pytest.raises(CommandError) as stopped:
        run_import(SAMPLES / "oruk1-legacy" / "bristol_placecube_organisations.json")
    assert str(stopped.value) == ("None of the 860 records could be imported, so nothing was imported: "
                                  "each is listed above with why.")


def test_each_rejected_record_is_listed_once(db):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_oruk", str(SAMPLES / "oruk1-legacy" / "bristol_placecube_organisations.json"),
                     stdout=out, stderr=err)
    lines = (out.getvalue() + err.getvalue()).splitlines()
    assert len([line for line in lines if "fb9dcdac-92d3-49a1-a85e-606f58079550" in line]) == 1
    assert len(lines) < 860 + 20  # one a record, the counts, the progress every tenth


def test_a_file_none_of_whose_records_can_be_imported_fails_with_skip_invalid_too(db):
    """A nightly `--skip-invalid` job whose feed turned into something else ended "0 created ...
    50 rejected (saved)" with success: nothing said that nothing came in."""
    before = counts()
    with pytest.raises(CommandError, match="None of the 50 records could be imported, so nothing was imported"):
        run_import(SAMPLES / "oruk1-legacy" / "buckinghamshire_outpost_services_page_1.json", "--skip-invalid")
    assert counts() == before


def test_the_summary_counts_the_records_whose_email_addresses_were_left_out(wales_areas):
    """Each Bristol record names its assurer twice: the summary said "3 x 2 email address(es) …"."""
    out, err = run_import(SAMPLES / "oruk3" / "bristol_services_page1.json")
    assert ("  3 x email addresses left out of data this directory cannot map (it keeps no one's address it "
            "does not publish)\n") in out, err
    detail, _err = run_import(SAMPLES / "oruk3" / "bristol_services_page1.json", "-v", "2")
    assert ("service 93657689-252d-5a77-de87-42ca43452b0e: email addresses left out of data this directory "
            "cannot map (it keeps no one's address it does not publish): 2\n") in detail


def test_legacy_envelopes_with_uuid_records_import(db):
    out, _err = run_import(SAMPLES / "envelope-variants" / "cqc_porism_services_page1.json")
    assert "Saved: 2 new" in out
    assert Organisation.objects.filter(name="Cornerstones (UK) Ltd").exists()


def test_an_empty_lower_case_page_is_zero_records_and_an_error(db):
    """An empty feed ended "0 records: … (saved)" with success: a nightly job never said nothing came in."""
    path = SAMPLES / "envelope-variants" / "hull_connecttosupport_services_page1_empty.json"
    with pytest.raises(CommandError, match=f"No records in {path}, so nothing was imported"):
        run_import(path)


def test_a_reimport_that_changes_nothing_says_so_rather_than_saved(wales_areas):
    path = SAMPLES / "oruk3" / "bristol_services_page1.json"
    first, _err = run_import(path)
    again, _err = run_import(path)
    assert "Saved: 3 new, 0 updated, 0 unchanged, 0 rejected, of 3 records" in first
    assert "\nNothing changed: 0 new, 0 updated, 3 unchanged, 0 rejected, of 3 records" in again
    assert "Saved" not in again


def test_a_refused_import_says_nothing_saved(feed, tmp_path):
    good = json.loads(export_text())
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([dict(good[0], name="Renamed by the feed"), dict(good[1], id="not-a-uuid")]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"1 of 2 records is invalid, so nothing was imported \(fix it, or use"):
        call_command("import_oruk", str(path), stdout=out, stderr=err)
    assert "Nothing saved: 0 new, 1 updated, 0 unchanged, 1 rejected, of 2 records" in out.getvalue()


def test_one_bad_record_aborts_the_whole_import_unless_skip_invalid(feed, tmp_path):
    good = json.loads(export_text())
    good[0]["name"] = "Renamed by the feed"
    good[0]["csa_wait_weeks"] = 9
    bad = dict(good[1], id="not-a-uuid")
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([good[0], bad]))
    before, before_export = counts(), export_text()
    with pytest.raises(CommandError, match="1 of 2 records is invalid"):
        run_import(path)
    assert counts() == before and export_text() == before_export

    out, err = run_import(path, "--skip-invalid")
    assert "Saved: 0 new, 1 updated, 0 unchanged, 1 rejected" in out
    assert "rejected service not-a-uuid: id 'not-a-uuid' is not a UUID" in err
    service = Service.objects.get(public_id=good[0]["id"])
    assert service.name == "Renamed by the feed"
    assert service.waiting_times.order_by("-recorded_at").first().weeks == 9


def test_a_record_the_database_refuses_is_rejected_with_the_reason(feed, tmp_path):
    document = json.loads(export_text())[0]
    document["csa_audiences"] = []  # a service must support someone
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    before_export = export_text()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_oruk", str(path), stdout=io.StringIO(), stderr=err)
    assert f"rejected service {document['id']}: " in err.getvalue()
    assert "service_supports_someone" in err.getvalue()
    assert export_text() == before_export


def test_a_dry_run_reports_and_saves_nothing(db):
    out, _err = run_import(SAMPLES / "oruk3" / "bristol_services_page1.json", "--dry-run")
    assert "Dry run, nothing saved: 3 new, 0 updated" in out
    assert "3 new services would not be published until a moderator confirmed their criteria" in out
    assert Service.objects.count() == 0 and Organisation.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is not JSON"),
        (b'[{"id": "a"}, {broken}]', "is not JSON"),
        (b'[{"id": "a"} {"id": "b"}]', "is not JSON"),
        (b'[{"id": "a"},]', "is not JSON"),
        (b'[{"id": "a"}] and more', "is not JSON"),
        (b'[{"id": "a"}', "is not JSON"),
        (b"\xff\xfe\x00garbage", "is not UTF-8"),
        (b'"just a string"', "not records"),
        (b'{"foo": 1}', "neither a record"),
        (b'{"id": 1}\n{broken\n', "neither JSON nor NDJSON"),
        # Pretty-printed documents read as NDJSON after JSON failed were reported at "line 1" (the
        # lone "{"), not where they break; one cut off (a copy stopped early) is named so.
        (b'{\n  "contents": [\n    {"id": "a"} {"id": "b"}\n  ]\n}\n',
         "is not JSON: Expecting ',' delimiter: line 3 column 17"),
        (b'\xef\xbb\xbf{\n  "total_items": 3,\n  "contents": [\n    {\n      "id": "a",\n      "name": "Cu',
         "is not JSON: it stops before its last bracket is closed, so it looks cut off .Unterminated string"),
        (b"", "is empty: no JSON in it"),
        (b"\xef\xbb\xbf \r\n", "is empty: no JSON in it"),
        # The header of an HSDS tabular services.csv (hsds-tabular/orservices_dc_datapackage in the
        # shared samples): JSON's "Expecting value: line 1 column 1" did not say what the file was.
        (b"id,organization_id,program_id,name,alternate_name,description,url,email,status\n"
         b"540866542533436,1148831835061989,,Adult Individual and Group Therapy,,,,,active\n",
         "looks like a CSV table .HSDS tabular data.., which this import does not read"),
    ],
)
def test_a_malformed_file_stops_with_a_message_and_leaves_the_database_unchanged(feed, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    before = counts()
    with pytest.raises(CommandError, match=message):
        run_import(path)
    assert counts() == before


@pytest.mark.parametrize("text", [
    '[{"id": "a", "n": [1, {"x": "]"}]}, {"id": "b"},\n  {"id": "c\\"]"}]',
    '\ufeff \r\n[ {"id": "a"} ,{"id": "b"} ] \n',
    "[]",
    '{"id": "a"}\r\n\n{"id": "b", "text": "x\u2028y"}\n{"id": "c"}',
])
def test_a_files_records_are_read_as_a_whole_parse_reads_them(tmp_path, text):
    path = tmp_path / "feed.json"
    path.write_text(text, encoding="utf-8")
    records = read_file(path)
    whole = text.lstrip("\ufeff")
    expected = json.loads(whole) if whole.strip().startswith("[") else [
        json.loads(line) for line in whole.split("\n") if line.strip()]
    assert isinstance(records, FeedText)
    assert len(records) == len(expected)
    assert list(records) == expected
    assert records[1:] == expected[1:]


def test_records_read_from_pages_are_kept_as_text_and_given_back_as_they_were():
    records = [{"id": "a", "name": "Caf\u00e9 \u0175\u2028line", "ages": [0, 17.5, None], "ok": True},
               {"id": "b", "nested": {"list": [{"x": "]},"}], "empty": {}}}, "not a record", 7]
    kept = FeedText.of(iter(records))
    assert len(kept) == 4
    assert list(kept) == records
    assert kept[1:3] == records[1:3]
    assert list(FeedText.of([])) == []


def test_a_files_records_are_parsed_a_chunk_at_a_time_as_the_import_reaches_them(feed, tmp_path, monkeypatch):
    """Only the chunk being imported is held as objects (the national feed's 20,000 records were
    ~440 MB parsed whole, against 140 MB of text)."""
    path = tmp_path / "feed.json"
    call_command("export_oruk", str(path), stdout=io.StringIO())
    empty_the_directory()
    monkeypatch.setattr(bulk_import, "CHUNK", 2)
    asked = []
    getitem = FeedText.__getitem__

    def spy(self, index):
        asked.append((index.start, index.stop) if isinstance(index, slice) else index)
        return getitem(self, index)

    monkeypatch.setattr(FeedText, "__getitem__", spy)
    out, _err = run_import(path)
    assert "Saved: 5 new" in out
    assert asked == [(0, 2), (2, 4), (4, 6)]
    first = read_file(path)
    assert first[0] == first[0] and first[0] is not first[0]  # parsed each time, kept by nobody


def test_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="neither a URL nor an existing file"):
        run_import("/no/such/feed.json")


def test_the_import_leaves_the_cycle_collector_as_it_found_it(db):
    # The command pauses the collector while reading and freezes the feed while importing; a
    # long-lived process (call_command in a worker) must get both back, after success or failure.
    run_import(SAMPLES / "envelope-variants" / "cqc_porism_services_page1.json")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with pytest.raises(CommandError):
        run_import("/no/such/feed.json")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_an_update_appends_to_the_wait_history_and_keeps_the_old_report(feed, tmp_path):
    document = next(d for d in json.loads(export_text()) if d["name"] == "Cardiff therapy")
    history_before = feed.cardiff_therapy.waiting_times.count()
    document |= {"csa_wait_weeks": 7, "csa_wait_as_of": date.today().isoformat()}
    path = tmp_path / "one.json"
    path.write_text(json.dumps(document))
    run_import(path)
    assert feed.cardiff_therapy.waiting_times.count() == history_before + 1
    assert feed.cardiff_therapy.waiting_times.order_by("-as_of", "-recorded_at").first().weeks == 7


def test_the_export_command_writes_to_standard_output(feed, capsys):
    call_command("export_oruk", "-", "--ndjson")
    assert len(capsys.readouterr().out.splitlines()) == 5
