"""Reading one service record (pure: no database)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from directory.oruk import taxonomy as published
from directory.oruk.records import RecordError, html_to_text, parse_service

SERVICE_ID = "4b3c0e42-1c3c-4c6b-9a59-2c8a2b0f0a11"
ORG_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"


def record(**overrides) -> dict:
    base = {"id": SERVICE_ID, "name": "A service", "status": "active",
            "organization": {"id": ORG_ID, "name": "An organisation", "description": ""}}
    return base | overrides


def _term_id(key: str, code: str) -> str:
    return str(next(t for t in published.taxonomy_by_key(key).terms if t.code == code).public_id)


def test_html_descriptions_become_plain_text_with_a_note():
    data = parse_service(record(description="<h1>About</h1>\n<p>We help &amp; listen.</p><ul><li>One</li></ul>"))
    assert data.fields["description"] == "About\n\nWe help & listen.\n\n- One"
    assert "HTML description converted to plain text" in data.notes


def test_a_links_address_follows_its_words_only_where_it_can_be_published():
    text = html_to_text('<p>Email <a href="mailto:refer@example.org?subject=Hi">us</a>, see <a href="/local">here</a>,'
                        ' <a href="javascript:alert(1)">this</a> or <a href="https://www.example.org/">example.org</a>'
                        '</p>')
    assert text == "Email us (refer@example.org), see here, this or example.org"


def test_html_to_text_leaves_plain_text_alone():
    assert html_to_text("Line one\nLine two") == "Line one\nLine two"


def test_timestamps_without_a_time_zone_are_read_as_uk_time_with_a_note():
    data = parse_service(record(last_modified="2025-09-02T12:06:15.654"))
    assert data.last_modified.isoformat() == "2025-09-02T12:06:15.654000+01:00"
    assert any(note.startswith("date-time without a time zone") for note in data.notes)


def test_minus_one_ages_mean_not_set():
    data = parse_service(record(minimum_age=-1, maximum_age=-1))
    assert (data.fields["age_min"], data.fields["age_max"]) == (Decimal("0"), Decimal("25"))
    assert sum(note.startswith("negative age") for note in data.notes) == 2


def test_ages_above_the_directory_range_are_capped_or_refused():
    assert parse_service(record(minimum_age=16, maximum_age=65)).fields["age_max"] == Decimal("25")
    with pytest.raises(RecordError, match="above 25"):
        parse_service(record(minimum_age=30, maximum_age=65))
    with pytest.raises(RecordError, match="above maximum_age"):
        parse_service(record(minimum_age=12, maximum_age=5))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id": 6378}, "is a number, not a UUID"),
        ({"id": "abc"}, "is not a UUID"),
        ({"id": None}, "id is missing"),
        ({"name": ""}, "no name"),
        ({"status": None}, "no status"),
        ({"status": "open"}, "is not one of active"),
        ({"organization": None}, "no organization"),
        ({"organization": {"id": 4373, "name": "x"}}, "organization.id 4373 is a number"),
        ({"organization_id": "0b8a9adf-e155-1f77-c48d-a339105d6722"}, "differs from organization.id"),
        ({"minimum_age": "ten"}, "is not a number"),
        ({"csa_wait_weeks": 9999}, "csa_wait_weeks"),
        ({"service_at_locations": [{"id": SERVICE_ID}]}, "no location object"),
    ],
)
def test_records_it_cannot_take_raise_a_clear_error(overrides, message):
    with pytest.raises(RecordError, match=message):
        parse_service(record(**overrides))


def test_a_record_that_is_not_an_object_is_refused():
    with pytest.raises(RecordError, match="JSON object"):
        parse_service([1, 2])


def test_an_id_with_broken_version_bits_is_kept_exactly():
    data = parse_service(record(id="93657689-252d-5a77-de87-42ca43452b0e"))
    assert str(data.public_id) == "93657689-252d-5a77-de87-42ca43452b0e"


def test_our_taxonomy_attributes_map_back_to_the_booleans():
    attributes = [
        {"id": str(uuid.uuid4()), "taxonomy_term_id": _term_id("abuse_forms", "cse")},
        {"id": str(uuid.uuid4()), "taxonomy_term": {"id": _term_id("audiences", "sibling"), "name": "x",
                                                     "description": ""}},
        {"id": str(uuid.uuid4()), "taxonomy_term_id": _term_id("referral_criteria", "disclosure_required")},
        {"id": str(uuid.uuid4()), "taxonomy_term": {"id": str(uuid.uuid4()), "name": "Other term",
                                                     "description": "theirs", "taxonomy": "Their types"}},
    ]
    data = parse_service(record(attributes=attributes))
    assert data.fields["abuse_cse"] is True and data.fields["abuse_intra_familial"] is False
    assert data.fields["supports_sibling"] is True and data.fields["supports_child"] is False
    assert data.fields["disclosure_required"] is True and data.fields["pre_trial_therapy"] is False
    assert "kind_therapeutic" not in data.fields  # the record says nothing about kinds of support
    assert [term.name for term in data.terms] == ["Other term"]


def test_csa_extensions_map_to_fields_and_the_wait():
    data = parse_service(record(csa_abuse_forms=["online"], csa_disclosure_required=False, csa_welsh_available=True,
                                csa_wait_weeks=6, csa_wait_as_of="2025-01-31", csa_referrals_open=False,
                                csa_referral_url="https://example.org/refer"))
    assert data.fields["abuse_online"] is True and data.fields["abuse_cse"] is False
    assert data.fields["welsh_available"] is True
    assert data.fields["referral_url"] == "https://example.org/refer"
    assert (data.wait.weeks, data.wait.as_of.isoformat(), data.wait.referrals_open) == (6, "2025-01-31", False)


def test_welsh_is_read_from_languages():
    data = parse_service(record(languages=[{"id": str(uuid.uuid4()), "name": "Welsh", "code": "cy"},
                                           {"id": str(uuid.uuid4()), "name": "Polish", "code": "pl"}]))
    assert data.fields["welsh_available"] is True
    assert data.fields["other_languages"] == "Polish"


def test_service_areas_give_ons_codes_and_unmapped_names():
    data = parse_service(record(service_areas=[
        {"id": str(uuid.uuid4()), "name": "Cardiff", "uri": "http://statistics.data.gov.uk/id/statistical-geography/W06000015"},
        {"id": str(uuid.uuid4()), "name": "Bristol", "uri": "http://www.example.com", "serviceId": SERVICE_ID},
    ]))
    assert [(area.code, area.name) for area in data.areas] == [("W06000015", "Cardiff"), (None, "Bristol")]


def test_what_cannot_be_mapped_is_kept_raw():
    data = parse_service(record(pc_metadata={"assured_by": "x"}, url="http://example.org", wait_time="3 months"))
    assert data.raw == {"pc_metadata": {"assured_by": "x"}, "url": "http://example.org", "wait_time": "3 months"}


def test_fields_the_record_does_not_mention_are_left_alone():
    data = parse_service(record())
    assert set(data.fields) == {"name", "status"}
    assert data.areas is None and data.locations is None and data.terms is None and data.wait is None


def test_a_withheld_address_is_not_read_as_an_empty_one():
    link = {"id": str(uuid.uuid4()), "location": {"id": str(uuid.uuid4()), "name": "House",
                                                  "location_type": "physical", "csa_address_withheld": True}}
    data = parse_service(record(service_at_locations=[link]))
    assert data.locations[0].fields == {"name": "House", "do_not_publish_address": True}


@pytest.mark.parametrize(("state_province", "county"), [
    ("Wales", ""), ("United Kingdom", ""), ("Cymru", ""), ("Y Deyrnas Unedig", ""), (" y  deyrnas unedig ", ""),
    ("Lloegr", ""), ("Powys", "Powys"), ("Caerdydd", "Caerdydd"),
])
def test_a_nation_in_state_province_is_no_county_in_english_or_welsh(state_province, county):
    """Our own Welsh answers say "Cymru" there: imported, it was kept as the location's county."""
    location = {"id": str(uuid.uuid4()), "name": "Office", "location_type": "physical",
                "addresses": [{"address_1": "1 Stryd Fawr", "city": "Caerdydd", "postal_code": "CF10 1AA",
                               "state_province": state_province, "country": "GB"}]}
    data = parse_service(record(service_at_locations=[{"id": str(uuid.uuid4()), "location": location}]))
    assert data.locations[0].fields["county"] == county


# A hostile or careless feed: links that lead elsewhere than they read, passwords, megabytes of text.
@pytest.mark.parametrize("url", ["https://www.nspcc.org.uk@evil.example/refer", "https://importer:s3cret@feed.example/"])
def test_a_link_with_a_user_name_or_password_is_never_published(url):
    organisation = {"id": ORG_ID, "name": "An organisation", "website": url}
    data = parse_service(record(csa_referral_url=url, organization=organisation))
    assert "referral_url" not in data.fields
    assert data.organisation.fields["website"] == ""
    said = [note for note in data.notes if note.startswith("a web address with a user name or password, ignored")]
    assert len(said) == 2
    assert not any("s3cret" in note or "nspcc" in note for note in data.notes)


@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>",
                                 "file:///etc/passwd", "vbscript:msgbox(1)", "http://[::1"])
def test_a_link_that_is_not_a_web_address_is_never_published(url):
    organisation = {"id": ORG_ID, "name": "An organisation", "website": url}
    data = parse_service(record(csa_referral_url=url, organization=organisation))
    assert "referral_url" not in data.fields and data.organisation.fields["website"] == ""


def test_megabytes_of_text_are_cut_short_with_a_note():
    huge = "x" * 3_000_000
    organisation = {"id": ORG_ID, "name": "An organisation", "description": huge}
    data = parse_service(record(description=huge, eligibility_description=huge, application_process=huge,
                                organization=organisation))
    for name in ("description", "eligibility", "how_to_refer"):
        assert len(data.fields[name]) == 10_000
        assert f"text too long, cut short: {name} (over 10000 characters)" in data.notes
    assert len(data.organisation.fields["description"]) == 10_000
    assert "text too long, cut short: organization.description (over 10000 characters)" in data.notes


def test_email_addresses_are_left_out_of_unmapped_data_however_deep_it_nests():
    from directory.oruk.records import without_email_addresses

    deep: list = ["a.person@example.org", "kept"]
    for _ in range(5000):  # deeper than recursion could follow
        deep = [deep]
    cleaned, dropped = without_email_addresses({"x_deep": deep, "email_like": "not@an address", "n": 1})

    assert dropped == 1
    inner = cleaned["x_deep"]
    for _ in range(5000):
        inner = inner[0]
    assert inner == ["kept"]
    assert cleaned["email_like"] == "not@an address" and cleaned["n"] == 1
