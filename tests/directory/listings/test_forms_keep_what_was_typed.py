"""A long form sent with one thing wrong comes back with everything else as it was sent: every box,
tick, choice and area, in English and in Welsh. What the page would send again is compared with what
was sent, as a browser reads the form (its "successful controls"), so no field can be forgotten."""

from __future__ import annotations

from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from directory import vocabulary
from directory.listings.forms import (
    AGE_MAX_RANGE,
    AGE_ORDER,
    EMAIL_INVALID,
    REFERRAL_URL_CREDENTIALS,
    WEBSITE_INVALID,
)
from directory.models import Organisation
from tests.directory.listings.conftest import form_data
from tests.factories import MembershipFactory, OrganisationFactory

NOT_COMPARED = {"csrfmiddlewaretoken"}
WELSH_TEXT = "Cymorth i blant a’u teuluoedd: ŵ, ŷ, â.\nAil linell."


class _Form(HTMLParser):
    """The controls of each <form> on a page, and what a browser would send for each (checked boxes,
    selected options, text as it stands)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self._form: dict[str, list[str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = defaultdict(list)
            self.forms.append(self._form)
        if self._form is None or ("disabled" in a and tag in {"input", "select", "textarea", "option"}):
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type", "text") not in {"submit", "button", "file", "image", "reset"}:
            if a.get("type") in {"checkbox", "radio"}:
                if "checked" in a:
                    self._form[name].append(a.get("value", "on"))
            else:
                self._form[name].append(a.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            # A newline straight after <textarea> is not part of its value (HTML's parsing rules).
            self._form[self._textarea].append(self._text.removeprefix("\r\n").removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def _sent_again(page: str, sent: dict) -> dict[str, list[str]]:
    """What the form on the page holding the most of the sent fields would send as it stands."""
    parser = _Form()
    parser.feed(page)
    return max(parser.forms, key=lambda form: len(set(form) & set(sent)))


def _as_lists(sent: dict) -> dict[str, list[str]]:
    return {
        name: sorted(str(v) for v in (value if isinstance(value, list) else [value]))
        for name, value in sent.items()
        if name not in NOT_COMPARED
    }


def assert_kept(response, sent: dict) -> None:
    assert response.status_code in (200, 400), response.status_code
    shown = _sent_again(response.content.decode(), sent)
    shown = {name: sorted(values) for name, values in shown.items() if name not in NOT_COMPARED}
    expected = _as_lists(sent)
    lost = {name: (value, shown.get(name)) for name, value in expected.items() if shown.get(name) != value}
    # Every box not ticked when sent is still not ticked (nothing added behind the user's back).
    added = {name: shown[name] for name in set(shown) - set(expected) if shown[name] not in ([], [""])}
    assert not lost, f"changed from what was sent (sent, shown): {lost}"
    assert not added, f"shown but not sent: {added}"


def _url(name: str, language: str, *args) -> str:
    with translation.override(language):
        return reverse(name, args=args)


LANGUAGES = ["en", "cy"]


# --- The listing editor ---------------------------------------------------------------------------


def _everything_filled_in(service, areas) -> dict:
    """The edit form as a provider sends it after going through every part: texts in both languages,
    every tick that goes together ticked, another status, several areas, the rest of the listing confirmed."""
    ticks = {
        name: True
        for group in (
            vocabulary.ABUSE_FORM_FIELDS,
            vocabulary.AUDIENCE_FIELDS,
            vocabulary.REFERRER_FIELDS,
            vocabulary.SUPPORT_KIND_FIELDS,
            vocabulary.DELIVERY_MODE_FIELDS,
        )
        for name in group.values()
    }
    data = form_data(
        service,
        **ticks,
        status="paused",
        name_cy="Gwasanaeth Cymorth",
        description_en="Support for children.\nSecond line.",
        description_cy=WELSH_TEXT,
        eligibility_en="Children in Cardiff.",
        eligibility_cy="Plant yng Nghaerdydd.",
        how_to_refer_en="Phone us.",
        how_to_refer_cy="Ffoniwch ni.",
        referral_url="www.example.org/refer",
        referral_email="refer@example.org",
        referral_phone="029 2012 3456",
        age_min="4.5",
        age_max="17",
        disclosure_required=True,
        pre_trial_therapy=True,
        requires_proceedings_finished=False,
        welsh_available=True,
        other_languages="Polish, Arabic",
        is_free=False,
        cost_note="£10 a session",
        capacity_per_year="40",
    )
    data["coverage_areas"] = [areas[code].pk for code in ("W06000015", "W06000014", "W06000022")]
    data["confirm_rest"] = "on"
    return data


ONE_THING_WRONG = {
    "referral_email": ("refer at example.org", EMAIL_INVALID),
    "age_max": ("30", AGE_MAX_RANGE),
    "age_min": ("17.5", AGE_ORDER),
    "referral_url": ("https://www.nspcc.org.uk@evil.example/", REFERRAL_URL_CREDENTIALS),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("field", sorted(ONE_THING_WRONG))
@pytest.mark.parametrize("role", ["own_provider", "moderator"])
def test_the_listing_editor_keeps_everything_sent_when_one_box_is_wrong(
    client_as, service, areas, language, field, role
):
    client = client_as(role)
    value, message = ONE_THING_WRONG[field]
    data = {**_everything_filled_in(service, areas), field: value}

    response = client.post(_url("listings:service_edit", language, service.public_id), data)

    with translation.override(language):
        assert response.context["form"].errors[field] == [str(message)]
    assert_kept(response, data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_listing_keeps_everything_sent_and_the_organisation_chosen_when_one_box_is_wrong(
    client, provider, service, areas, language
):
    second = OrganisationFactory(name="Second organisation")
    MembershipFactory(user=provider, organisation=second)
    client.force_login(provider)
    data = {
        **_everything_filled_in(service, areas),
        "name_en": "A new service",
        "organisation": second.pk,
        "referral_email": "refer at example.org",
    }
    for name in ("opened_version", "confirm_rest"):
        data.pop(name)

    response = client.post(_url("listings:service_new", language), data)

    with translation.override(language):
        assert response.context["form"].errors["referral_email"] == [str(EMAIL_INVALID)]
    assert_kept(response, data)


# --- Report a problem, the organisation's contact details, an invitation --------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_problem_report_keeps_its_reason_when_the_comment_is_too_long(client, service, language):
    data = {"reason": "closed", "comment": "ŵ" * 301}

    response = client.post(_url("listings:report_problem", language, service.public_id), data)

    assert response.context["form"].errors["comment"]
    assert_kept(response, data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_problem_report_keeps_its_comment_when_no_reason_is_chosen(client, service, language):
    data = {"comment": "The phone number on the listing rings out. Ffoniais ddwywaith."}

    response = client.post(_url("listings:report_problem", language, service.public_id), data)

    assert response.context["form"].errors["reason"]
    assert_kept(response, data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_organisation_contact_form_keeps_everything_when_the_website_is_wrong(client, provider, org, language):
    client.force_login(provider)
    page = client.get(_url("listings:organisation_contact", language, org.public_id)).content.decode()
    data = {
        **_sent_again(page, {"phone": ""}),
        "phone": "029 2012 3456",
        "email": "info@example.org",
        "website": "not a web address",
        "description_en": "Our work.\nIn Cardiff.",
        "description_cy": WELSH_TEXT,
    }
    data = {name: value[0] if isinstance(value, list) and len(value) == 1 else value for name, value in data.items()}

    response = client.post(_url("listings:organisation_contact", language, org.public_id), data)

    with translation.override(language):
        assert response.context["form"].errors["website"] == [str(WEBSITE_INVALID)]
    assert_kept(response, data)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("choice", ["cy", "en"])
def test_an_invitation_keeps_the_organisation_and_language_chosen_when_the_address_is_wrong(
    client, moderator, org, language, choice
):
    client.force_login(moderator)
    data = {
        "email": "someone at example.org",
        "organisation": Organisation.objects.get(pk=org.pk).pk,
        "new_organisation": "",
        "language": choice,
    }

    response = client.post(_url("accounts:invite", language), data)

    assert response.context["form"].errors["email"]
    assert_kept(response, data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_location_keeps_everything_and_do_not_publish_when_its_postcode_is_wrong(client, provider, service, language):
    client.force_login(provider)
    data = {
        "name": "Swyddfa Bangor",
        "address_1": "1 Ffordd y Coleg",
        "city": "Bangor",
        "county": "Gwynedd",
        "postcode": "not a postcode",
        "do_not_publish_address": "on",
    }

    response = client.post(_url("listings:location_add", language, service.public_id), data)

    assert response.context["form"].errors["postcode"]
    assert_kept(response, data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wait_keeps_referrals_closed_when_the_weeks_are_wrong(client, provider, service, language):
    client.force_login(provider)
    data = {"weeks": "six", "referrals_open": "no"}

    response = client.post(_url("listings:wait_update", language, service.public_id), data)

    assert response.context["form"].errors["weeks"]
    assert_kept(response, data)
