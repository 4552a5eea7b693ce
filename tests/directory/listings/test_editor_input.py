"""What a provider types into the listing editor is kept, and shown back as a person would type it."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from directory.listings import fields
from directory.listings.forms import (
    REFERRAL_PHONE_INVALID,
    REFERRAL_PHONE_TOO_LONG,
    REFERRAL_URL_CREDENTIALS,
    REFERRAL_URL_INVALID,
    REFERRAL_URL_TOO_LONG,
)
from directory.models import Service, ServiceChange
from tests.directory.listings.conftest import form_data

LONG_FORM_LINK = "https://forms.office.com/Pages/ResponsePage.aspx?id=" + "A" * 170 + "&r=QR"
LONG_PHONE = "01234 567890 or 07700 900123 (out of hours)"


def _edit(client, service, **overrides):
    return client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, **overrides))


def test_an_over_long_link_or_phone_number_is_refused_with_a_message_not_cut_short_by_the_browser(
    client, provider, service
):
    # The inputs carried maxlength: a browser silently cut a pasted 227-character form link to 200
    # characters (and "…(out of hours)" to "…(out of hou"), which then saved and published a broken link.
    client.force_login(provider)
    page = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    for name in ("referral_url", "referral_phone", "referral_email", "name_en", "cost_note", "other_languages"):
        tag = re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)
        assert "maxlength" not in tag, tag
    response = _edit(client, service, referral_url=LONG_FORM_LINK, referral_phone=LONG_PHONE)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["referral_url"] == [str(REFERRAL_URL_TOO_LONG)]
    assert errors["referral_phone"] == [str(REFERRAL_PHONE_TOO_LONG)]
    # What was typed is shown again in full, to be shortened by the provider, not by us.
    page = response.content.decode()
    assert f'value="{LONG_PHONE}"' in page
    service.refresh_from_db()
    assert service.referral_phone == "01000 000000"



def _value_of(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_ages_read_as_a_person_would_type_them_in_the_form_and_in_the_moderators_diff(
    client, provider, moderator, service
):
    # The editor showed "0.0" and "18.0", the moderator's diff "18.0 → 17.0".
    Service.objects.filter(pk=service.pk).update(age_min="0.0", age_max="18.0")
    service.refresh_from_db()
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    page = client.get(url).content.decode()
    assert (_value_of(page, "age_min"), _value_of(page, "age_max")) == ("0", "18")
    # A half year stays a half; the form then shows the pending proposal, also as typed.
    _edit(client, service, age_min="4.5", age_max="17")
    page = client.get(url).content.decode()
    assert (_value_of(page, "age_min"), _value_of(page, "age_max")) == ("4.5", "17")
    client.force_login(moderator)
    change = service.changes.get()
    diff = client.get(reverse("listings:change_detail", args=[change.pk])).context["rows"]
    assert [(row.field, row.before, row.after) for row in diff] == [
        ("age_min", "0", "4.5"), ("age_max", "18", "17")
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("18.0"), "18"), ("17.0", "17"), (Decimal("4.5"), "4.5"), ("4.50", "4.5"), (Decimal("0.0"), "0"),
     ("10", "10"), (" 7 ", "7"), ("four", "four"), ("NaN", "NaN"), (None, ""), ("1e309", "1e309"), ("9" * 40, "9" * 40)],
)
def test_age_text_drops_a_trailing_zero_and_leaves_what_is_not_a_number(value, text):
    assert fields.age_text(value) == text


def test_an_age_too_large_for_a_decimal_is_refused_with_the_form_shown_again(client, provider, service):
    # "1e309" made showing the box again raise (a 500): more digits than a Decimal holds (found by tests/fuzz).
    client.force_login(provider)

    response = _edit(client, service, age_min="1e309")

    assert response.status_code == 200
    assert _value_of(response.content.decode(), "age_min") == "1e309"
    assert not ServiceChange.objects.filter(service=service).exists()


def _summary_links(page: str) -> list[str]:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S).group(0)
    return re.findall(r'<a href="#([^"]+)">', summary)


def _page_ids(page: str, ids: list[str]) -> list[str]:
    form = page[page.index("<form"):]
    return sorted(ids, key=lambda i: form.index(f'id="{i}"'))


def test_the_error_summary_lists_errors_in_the_order_of_the_page(client, provider, service):
    # It listed the link and the email (saved at once) before "Who it supports" and the age range
    # (which need approval), the model's order rather than the page's.
    client.force_login(provider)
    page = _edit(
        client, service, supports_child=False, supports_parent_carer=False, supports_sibling=False,
        age_min="12", age_max="8", referral_url="htp//bad url", referral_email="bad@", name_en="",
        capacity_per_year="about 40", pre_trial_therapy=True, requires_proceedings_finished=True,
    ).content.decode()
    links = _summary_links(page)
    assert links == [
        "id_name_en", "id_supports_child", "id_age_min", "id_requires_proceedings_finished", "id_referral_url",
        "id_referral_email", "id_capacity_per_year",
    ]
    assert links == _page_ids(page, links)


def test_a_versions_changes_in_the_history_are_listed_in_the_order_of_the_page(client, moderator, service, areas):
    # The history (and a restore's preview) listed the phone number before the status and the age
    # range: fields saved at once first, then those needing approval, whatever the page's order.
    client.force_login(moderator)
    _edit(client, service, referral_phone="01000 111111", eligibility_en="Children in Cardiff.", age_max="16",
          abuse_online=True, coverage_areas=["W06000015", "W06000014"], status="paused", name_en="Renamed")
    page = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    history = client.get(reverse("listings:history", args=[service.public_id])).context["entries"]
    order = [row.field for row in history[0].changes]
    assert order == [
        "name_en", "status", "abuse_online", "age_max", "eligibility_en", "coverage_areas", "referral_phone"
    ]
    assert order == sorted(order, key=lambda f: page.index(f'name="{f}"'))


def test_the_page_and_every_list_of_its_fields_share_one_order():
    from directory.listings.forms import ServiceForm

    on_page = [name for _legend, _hint, names in ServiceForm.fieldsets for name in names]
    assert on_page == list(fields.EDITABLE_FIELDS)
    assert sorted(fields.EDITABLE_FIELDS) == sorted(fields.IMMEDIATE_FIELDS + fields.MODERATED_FIELDS)


def test_each_change_in_the_history_names_its_field_so_it_reads_alone(client, moderator, service):
    # Rows read "Support available in welsh", "Advocacy / chisva", "Sarc medical / forensic", and a
    # bare "Parents and carers" or "Phone" that could be who it supports, who may refer or a way to
    # refer; in Welsh "Cymorth ar gael yn gymraeg".
    client.force_login(moderator)
    _edit(client, service, supports_parent_carer=True, referral_by_parent_carer=True, delivery_phone=True,
          welsh_available=True, kind_advocacy=True, kind_sarc=True)
    url = reverse("listings:history", args=[service.public_id])
    labels = [row.label for row in client.get(url).context["entries"][0].changes]
    assert labels == [
        "Who it supports: Non-abusing parents and carers",
        "Who may refer: Parents and carers",
        "Kinds of support: Advocacy / ChISVA",
        "Kinds of support: SARC medical / forensic",
        "How it is delivered: Phone",
        "Support available in Welsh",
    ]
    labels = [row.label for row in client.get("/cy" + url).context["entries"][0].changes]
    assert labels[-1] == "Cymorth ar gael yn Gymraeg"
    assert labels[2].endswith("Eiriolaeth / ChISVA")


def test_the_moderator_sees_which_areas_a_change_adds_and_removes(client, provider, moderator, service, areas):
    # Two lists of areas side by side: with a dozen in each, which one changed had to be found by eye.
    client.force_login(provider)
    _edit(client, service, coverage_areas=["W06000014", "W06000022"])
    client.force_login(moderator)
    response = client.get(reverse("listings:change_detail", args=[service.changes.get().pk]))
    (row,) = [row for row in response.context["rows"] if row.field == fields.COVERAGE]
    assert (row.before, row.after) == ("Cardiff", "Vale of Glamorgan, Newport")
    assert (row.added, row.removed) == ("Vale of Glamorgan, Newport", "Cardiff")
    page = " ".join(re.sub(r"<[^>]+>", "", response.content.decode()).split())
    assert "Added: Vale of Glamorgan, Newport" in page and "Removed: Cardiff" in page


def test_a_new_listings_review_shows_no_status_before_it_as_a_dash_not_none(client, provider, moderator, org, service):
    # The review of a new listing read "Status: None → Taking referrals", in English on Welsh pages too.
    client.force_login(provider)
    data = {k: v for k, v in form_data(service).items() if k != "opened_version"}
    client.post(reverse("listings:service_new"), {**data, "organisation": org.pk, "name_en": "New one"})
    change = ServiceChange.objects.get(kind=ServiceChange.Kind.NEW)
    client.force_login(moderator)
    rows = client.get(reverse("listings:change_detail", args=[change.pk])).context["rows"]
    assert {row.field: (row.before, row.after) for row in rows}["status"] == ("—", "Taking referrals")


def test_a_link_that_is_not_a_web_address_says_what_to_type(client, provider, service):
    # "Referral form link: Enter a valid URL." named neither what was wrong nor what would do.
    client.force_login(provider)
    response = _edit(client, service, referral_url="htp//example org/refer")
    assert response.context["form"].errors["referral_url"] == [str(REFERRAL_URL_INVALID)]
    assert str(REFERRAL_URL_INVALID) in response.content.decode().replace("&#x27;", "'")
    # As people type them: no scheme, spaces around.
    _edit(client, service, referral_url="  www.example.org/refer ")
    service.refresh_from_db()
    assert service.referral_url == "https://www.example.org/refer"


@pytest.mark.parametrize("link", ["https://www.nspcc.org.uk@evil.example/refer", "https://user:pass@example.org/refer",
                                  "www.example.org@evil.example"])
def test_a_link_that_reads_as_one_site_and_leads_to_another_is_refused(client, provider, service, link):
    # Everything before the @ is a user name to the browser: the link goes to evil.example.
    client.force_login(provider)
    response = _edit(client, service, referral_url=link)
    assert response.status_code == 200
    assert response.context["form"].errors["referral_url"] == [str(REFERRAL_URL_CREDENTIALS)]
    service.refresh_from_db()
    assert service.referral_url == ""


@pytest.mark.parametrize("link", ["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>"])
def test_a_link_that_is_a_script_is_refused(client, provider, service, link):
    client.force_login(provider)
    response = _edit(client, service, referral_url=link)
    assert response.context["form"].errors["referral_url"] == [str(REFERRAL_URL_INVALID)]
    service.refresh_from_db()
    assert service.referral_url == ""


def test_the_areas_are_grouped_under_headings_with_all_of_wales_last(client, provider, service):
    # One list of 36 boxes: the 22 authorities, then health boards, then "Wales" between them and the
    # safeguarding boards, with nothing to say which was which.
    client.force_login(provider)
    page = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    start = page.index('name="coverage_areas"')
    areas = page[page.rindex("<fieldset", 0, start):page.index("</fieldset>", start)]
    text = " ".join(re.sub(r"<[^>]+>", " ", areas).split())
    headings = ["Local authorities", "Health boards", "Regional safeguarding boards", "All of Wales"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert positions[0] < text.index("Cardiff") < text.index("Vale of Glamorgan") < positions[1]
    assert text.index("Wales", positions[3] + len("All of Wales")) > positions[3]
    assert "A board, or all of Wales, includes every local authority in it" in text


def test_on_a_welsh_page_the_local_authorities_are_in_welsh_order(client, provider, service):
    """Welsh names in Welsh order (Caerdydd under C, Bro Morgannwg under B), as the search's list."""
    client.force_login(provider)
    page = client.get("/cy" + reverse("listings:service_edit", args=[service.public_id])).content.decode()
    start = page.index('name="coverage_areas"')
    areas = page[page.rindex("<fieldset", 0, start):page.index("</fieldset>", start)]
    text = " ".join(re.sub(r"<[^>]+>", " ", areas).split())
    assert text.index("Blaenau Gwent") < text.index("Bro Morgannwg") < text.index("Caerdydd") < text.index("Casnewydd")


LONG_BOXES = ("description_en", "description_cy", "eligibility_en", "eligibility_cy", "how_to_refer_en", "how_to_refer_cy")


def test_an_over_long_description_is_refused_with_a_message_and_the_text_kept(client, provider, service):
    # A 200 KB description was accepted and published.
    from directory.listings.forms import TEXT_TOO_LONG

    client.force_login(provider)
    typed = "We support children. " * 10_000
    response = _edit(client, service, description_en=typed)
    assert response.status_code == 200
    assert response.context["form"].errors["description_en"] == [str(TEXT_TOO_LONG % {
        "label": "Description (English)", "max": "3,000", "count": f"{len(typed.strip()):,}"})]
    page = response.content.decode()
    assert typed.strip() in page  # shown again in full, for the provider to shorten
    textarea = re.search(r'<textarea[^>]* name="description_en"[^>]*>', page).group(0)
    assert "maxlength" not in textarea  # a browser would cut a paste short without a word
    service.refresh_from_db()
    assert service.description_en == "Therapeutic support for children after sexual abuse."


@pytest.mark.parametrize("name", LONG_BOXES)
def test_each_long_box_takes_up_to_its_limit_and_no_more(client, provider, service, name):
    from directory.listings.forms import TEXT_MAX_LENGTHS

    limit = TEXT_MAX_LENGTHS[name.rsplit("_", 1)[0]]
    client.force_login(provider)
    response = _edit(client, service, **{name: "x" * (limit + 1)})
    assert response.status_code == 200 and name in response.context["form"].errors
    assert _edit(client, service, **{name: "x" * limit}).status_code == 302
    service.refresh_from_db()
    pending = service.changes.filter(state=ServiceChange.State.PENDING).first()  # eligibility is moderated
    assert "x" * limit in (getattr(service, name), pending and pending.proposed.get(name))


def test_a_line_break_counts_as_one_character_as_the_provider_sees_it(client, provider, service):
    # A browser sends each line break as CR LF: 3,000 characters in paragraphs were refused as more.
    from directory.listings.forms import TEXT_TOO_LONG

    client.force_login(provider)
    paragraph = "x" * 299 + "\n"
    assert _edit(client, service, description_en=(paragraph * 10).strip().replace("\n", "\r\n")).status_code == 302
    over = (paragraph * 10 + "y" * 5).replace("\n", "\r\n")  # 3,005 as seen
    response = _edit(client, service, description_en=over)
    assert response.context["form"].errors["description_en"] == [str(TEXT_TOO_LONG % {
        "label": "Description (English)", "max": "3,000", "count": "3,005"})]


def test_an_imported_long_description_does_not_stop_other_edits_but_a_change_to_it_must_fit(client, provider, service):
    # An Open Referral feed may describe a service at more length than the form takes: kept as imported.
    imported = "An imported paragraph.\nAnother line. " * 200
    Service.objects.filter(pk=service.pk).update(description_en=imported)
    service.refresh_from_db()
    client.force_login(provider)
    as_sent = imported.replace("\n", "\r\n")  # as a browser sends the unchanged box back
    assert _edit(client, service, description_en=as_sent, referral_phone="02900 000000").status_code == 302
    service.refresh_from_db()
    assert service.referral_phone == "02900 000000" and service.description_en.strip() == imported.strip()
    response = _edit(client, service, description_en=imported + " One more sentence.")
    assert "description_en" in response.context["form"].errors


def test_a_new_listing_with_an_over_long_box_is_refused(client, provider, org, areas):
    client.force_login(provider)
    response = client.post(reverse("listings:service_new"), {
        "organisation": org.pk, "name_en": "New one", "status": "active", "abuse_online": "on", "supports_child": "on",
        "age_min": "4", "age_max": "18", "referral_by_professional": "on", "coverage_areas": [areas["W06000015"].pk],
        "how_to_refer_en": "y" * 1501,
    })
    assert response.status_code == 200
    assert "How to refer (English) must be 1,500 characters or fewer. It has 1,501" in response.content.decode()
    assert not Service.objects.filter(name_en="New one").exists()


def test_the_limit_is_said_in_welsh(client, provider, service):
    client.force_login(provider)
    response = client.post(
        f"/cy{reverse('listings:service_edit', args=[service.public_id])}", form_data(service, eligibility_cy="z" * 1501)
    )
    page = response.content.decode()
    assert "rhaid iddo fod yn 1,500 o nodau neu lai" in page and "Hyd at 1,500 o nodau." in page


def _input_tag(page: str, name: str) -> str:
    return re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)


def test_number_boxes_are_text_boxes_with_a_number_keypad_so_what_was_typed_reaches_the_server(
    client, provider, service
):
    # They were <input type="number">: for "6 weeks" or "1-2" a browser sends nothing at all, so the
    # page said "Enter the wait in weeks" as if the box had been left empty, and showed it empty.
    client.force_login(provider)
    edit = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    dashboard = client.get(reverse("listings:dashboard")).content.decode()
    wait = client.get(reverse("listings:wait_update", args=[service.public_id])).content.decode()
    boxes = {
        "age_min": (edit, "decimal"), "age_max": (edit, "decimal"), "capacity_per_year": (edit, "numeric"),
        "weeks": (dashboard, "numeric"),
    }
    for name, (page, keypad) in boxes.items():
        tag = _input_tag(page, name)
        assert 'type="text"' in tag and f'inputmode="{keypad}"' in tag, tag
        assert "step=" not in tag and tag.count("inputmode=") == 1, tag
    assert 'type="text"' in _input_tag(wait, "weeks")


@pytest.mark.parametrize("typed", ["call us maybe", "referrals@example.org", "see website", "ext 12"])
def test_a_phone_number_with_no_number_in_it_is_refused_with_what_to_type_and_kept(client, provider, service, typed):
    # "call us maybe" or an email address was saved and published as the listing's "Phone:".
    client.force_login(provider)
    response = _edit(client, service, referral_phone=typed)
    assert response.status_code == 200
    assert response.context["form"].errors["referral_phone"] == [str(REFERRAL_PHONE_INVALID)]
    assert f'value="{typed}"' in response.content.decode()
    service.refresh_from_db()
    assert service.referral_phone == "01000 000000"


@pytest.mark.parametrize("typed", ["0800 1111", "116 123", "999", "01234 567890 ext 12", "+44 (0)29 2012 3456", ""])
def test_phone_numbers_as_people_write_them_are_taken(client, provider, service, typed):
    client.force_login(provider)
    assert _edit(client, service, referral_phone=typed).status_code == 302
    service.refresh_from_db()
    assert service.referral_phone == typed


def test_a_stored_phone_with_no_number_in_it_does_not_stop_other_edits(client, provider, service):
    # An Open Referral import may bring one; left unchanged, it is not the provider's to fix first.
    Service.objects.filter(pk=service.pk).update(referral_phone="Ring the office")
    service.refresh_from_db()
    client.force_login(provider)
    assert _edit(client, service, cost_note="Free").status_code == 302
    service.refresh_from_db()
    assert (service.cost_note, service.referral_phone) == ("Free", "Ring the office")


@pytest.mark.parametrize(("prefix", "youngest", "oldest"), [("", "youngest age", "oldest age"),
                                                            ("/cy", "oedran ieuengaf", "oedran hynaf")])
def test_ages_the_wrong_way_round_are_named_as_their_boxes_are(client, provider, service, prefix, youngest, oldest):
    client.force_login(provider)

    page = client.post(prefix + reverse("listings:service_edit", args=[service.public_id]),
                       form_data(service, age_min="16", age_max="12"))

    message = page.context["form"].errors["age_min"][0]
    assert youngest in message and oldest in message  # the boxes say "Youngest age" and "Oldest age"


def _summary_messages(page: str) -> list[str]:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S).group(0)
    return [html.unescape(m).strip() for m in re.findall(r'<a href="#[^"]+">(.*?)</a>', summary, re.S)]


def _field_message(page: str, id_: str) -> str:
    found = re.search(rf'<p id="{id_}-error" class="govuk-error-message">\s*<span[^>]*>[^<]*</span>(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)).strip()


@pytest.mark.parametrize(("prefix", "name_en", "cost_note"), [
    ("", "Name (English) must be 200 characters or fewer. It has 300.",
     "Cost note must be 300 characters or fewer. It has 1,200."),
    ("/cy", "Enw (Saesneg): rhaid iddo fod yn 200 o nodau neu lai. Mae ganddo 300.",
     "Nodyn am gost: rhaid iddo fod yn 300 o nodau neu lai. Mae ganddo 1,200."),
])
def test_an_over_long_name_or_cost_note_says_its_limit_the_govuk_way_and_keeps_the_text(
    client, provider, service, prefix, name_en, cost_note,
):
    # Django's "Name (English): Ensure this value has at most 200 characters (it has 300)." before.
    client.force_login(provider)
    url = prefix + reverse("listings:service_edit", args=[service.public_id])
    response = client.post(url, form_data(service, name_en="N" * 300, cost_note="£" * 1200))
    page = response.content.decode()
    assert response.status_code == 200
    assert _summary_messages(page) == [name_en, cost_note]
    assert _field_message(page, "id_name_en") == name_en and _field_message(page, "id_cost_note") == cost_note
    assert _value_of(page, "name_en") == "N" * 300  # what was typed is shown again to shorten
    service.refresh_from_db()
    assert service.name_en == "Own service" and not service.changes.exists()


@pytest.mark.parametrize(("prefix", "says"), [
    ("", "Description (English) had invisible characters in it that cannot be saved (text pasted from another "
         "program sometimes brings them). They have been taken out: check what is in the box, then send the form again."),
    ("/cy", "Disgrifiad (Saesneg): roedd ynddo nodau anweledig na ellir eu cadw"),
])
def test_a_nul_pasted_into_a_box_is_taken_out_and_said_and_the_rest_of_the_form_is_kept(
    client, provider, service, prefix, says,
):
    # Django's "Null characters are not allowed." named no box and said nothing of what to do.
    versions = service.history.count()
    client.force_login(provider)
    response = client.post(prefix + reverse("listings:service_edit", args=[service.public_id]), form_data(
        service, description_en="Therapy for children\x00 and \x1b[0mfamilies.", referral_phone="02999 999999",
        name_cy="Gwasanaeth Newydd",
    ))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert says in page and "Null characters" not in page
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S).group(1)
    assert '<a href="#id_description_en">' in summary
    # The box holds the rest of the text, and no control character reaches the page; the other boxes what was typed.
    assert re.search(r'<textarea[^>]*name="description_en"[^>]*>Therapy for children and \[0mfamilies\.</textarea>', page)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", page)
    assert 'value="02999 999999"' in page and 'value="Gwasanaeth Newydd"' in page
    service.refresh_from_db()
    assert service.referral_phone == "01000 000000" and service.history.count() == versions
    assert not ServiceChange.objects.exists()


@pytest.mark.parametrize("url_name", ["listings:service_new", "listings:service_edit"])
def test_the_referral_phone_box_opens_a_phones_dialling_keypad(client, provider, service, url_name):
    # It was a text box: on a phone it opened the letters keyboard, where the organisation's phone box opened digits.
    client.force_login(provider)
    args = [service.public_id] if url_name == "listings:service_edit" else []
    page = client.get(reverse(url_name, args=args)).content.decode()
    tag = re.search(r'<input[^>]* name="referral_phone"[^>]*>', page).group(0)
    assert 'type="tel"' in tag, tag
    if url_name == "listings:service_edit":
        assert 'value="01000 000000"' in tag
    assert "maxlength" not in tag
