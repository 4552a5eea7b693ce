"""The service-only parts of a search result card, built in Python (directory/result_cards.py),
must match templates/directory/includes/result_service.html byte for byte, in English and Welsh."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from directory import result_cards
from tests.directory.test_card_text import WAITS
from tests.factories import OrganisationFactory, ServiceFactory

LONG = "Ring the duty team <on weekdays> & ask for the CSA worker.\n\nThey will send a form " + "word " * 40
VARIANTS = {
    "name_cy": ["", "Gwasanaeth <Cymraeg> & mwy"],
    "organisation": [{}, {"name_en": "Org & <Co>", "name_cy": "Sefydliad"}],
    "how_to_refer_en": ["", "Phone the duty worker.", LONG],
    "how_to_refer_cy": ["", "Ffoniwch y gweithiwr dyletswydd."],
    "referral_url": ["", "https://example.org/refer?a=1&b=<2>"],
    "referral_phone": ["", "01632 960000 <ext 2>", "029 2012 3456"],
    "disclosure_required": [False, True],
    "pre_trial_therapy": [False, True, False],
    "requires_proceedings_finished": [False, False, True, True],
    "referral_by_professional": [True, False, True],
    "referral_by_parent_carer": [False, True],
    "referral_by_self": [False, True, True],
    "delivery_in_person": [True, False],
    "delivery_outreach": [False, True, False],
    "delivery_phone": [False, False, True],
    "delivery_online": [True, False, False, True],
    "welsh_available": [False, True],
    "age_min": [Decimal("0"), Decimal("4.5"), Decimal("11")],
    "age_max": [Decimal("18"), Decimal("17.5")],
    "status": ["active", "paused", "closed"],
    # What an import did not state is said so (both ends of the range, or one, say the range is not stated).
    "unstated_by_import": [[], ["age_min", "age_max", "cost", "delivery"], ["age_max"], ["delivery"]],
    "last_confirmed_at": [None, datetime.date(2023, 1, 2), datetime.date.today()],
}


def _results() -> list[SimpleNamespace]:
    results = []
    for n in range(48):
        fields = {name: values[n % len(values)] for name, values in VARIANTS.items()}
        organisation = OrganisationFactory.build(**fields.pop("organisation"))
        service = ServiceFactory.build(organisation=organisation, name_en=f"Service <{n}> & co", **fields)
        results.append(SimpleNamespace(service=service, wait=WAITS[n % len(WAITS)]))
    return results


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_parts_match_the_template(language):
    results = _results()  # built in English: modeltranslation sets the active language's columns
    with translation.override(language):
        strings = result_cards._Strings()
        for result in results:
            assert result_cards._parts(result, strings) == result_cards.render_template(result)


NOT_STATED = {
    "en": "Not stated: whether it works with a child during a police investigation or court case.",
    "cy": "Heb ei nodi: a yw'n gweithio gyda phlentyn yn ystod ymchwiliad gan yr heddlu neu achos llys.",
}


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize(("pre_trial", "after", "not_stated"), [
    (False, False, True), (True, False, False), (False, True, False),
])
def test_a_card_says_when_the_service_has_not_stated_whether_it_works_during_a_case(
    language, pre_trial, after, not_stated,
):
    """Neither box ticked is not "no": the provider has not said, and the card said nothing at all,
    which read the same as a service that had simply not come up in the search's question."""
    service = ServiceFactory.build(pre_trial_therapy=pre_trial, requires_proceedings_finished=after)
    result = SimpleNamespace(service=service, wait=None)
    with translation.override(language):
        rows = result_cards._parts(result, result_cards._Strings())[result_cards.PARTS.index("rows")]
    assert (NOT_STATED[language] in rows) is not_stated


def test_this_process_holds_at_most_max_decoded_cards_dropping_the_least_recently_shown(monkeypatch):
    monkeypatch.setattr(result_cards, "MAX_DECODED", 2)
    first, second, third = (("en", "stamp", pk, "token") for pk in (1, 2, 3))
    result_cards._hold({first: ("a",), second: ("b",)})
    assert result_cards._held([first]) == {first: ("a",)}  # shown again: now the most recent
    result_cards._hold({third: ("c",)})
    assert result_cards._held([first, second, third]) == {first: ("a",), third: ("c",)}


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_card_says_not_stated_for_the_ages_and_delivery_an_import_did_not_state(language):
    service = ServiceFactory.build(unstated_by_import=["age_max", "delivery"], age_min=Decimal("0"),
                                   age_max=Decimal("25"), delivery_phone=True, delivery_online=True)
    with translation.override(language):
        parts = dict(zip(result_cards.PARTS, result_cards._parts(SimpleNamespace(service=service, wait=None),
                                                                 result_cards._Strings()), strict=True))
    assert parts["ages"] == {"en": "Ages: not stated", "cy": "Oedrannau: heb eu nodi"}[language]
    said = {"en": "Not stated: how support is given.", "cy": "Heb ei nodi: sut mae cymorth yn cael ei roi."}[language]
    assert parts["delivery"] == f'<br><span class="govuk-body-s">{said}</span>'


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_ways_support_is_given_are_named_for_a_screen_reader_in_the_distance_row(language):
    # They share the "Distance" row, where a screen reader read "3.8 km In person, Online" as the distance.
    service = ServiceFactory.build(delivery_in_person=True, delivery_online=True)
    with translation.override(language):
        parts = dict(zip(result_cards.PARTS, result_cards._parts(SimpleNamespace(service=service, wait=None),
                                                                 result_cards._Strings()), strict=True))
    heading, modes = {"en": ("How support is given", "In person, Online"),
                      "cy": ("Sut mae'r cymorth yn cael ei roi", "Wyneb yn wyneb, Ar-lein")}[language]
    assert parts["delivery"] == (f'<br><span class="govuk-body-s"><span class="govuk-visually-hidden">{heading}: '
                                 f"</span>{modes}</span>")


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("name_cy", ["", "Gwasanaeth Cymraeg"])
def test_the_referral_forms_hidden_service_name_is_marked_english_where_a_welsh_page_shows_it_so(language, name_cy):
    # "Ffurflen atgyfeirio (Family Support)" read the English name in a Welsh voice, where the card's
    # heading marks it lang="en" (and the referral pack's own link did).
    service = ServiceFactory.build(name_en="Family Support", name_cy=name_cy, referral_url="https://example.org/refer")
    with translation.override(language):
        rows = result_cards._parts(SimpleNamespace(service=service, wait=None), result_cards._Strings())[
            result_cards.PARTS.index("rows")]
    english = language == "cy" and not name_cy
    shown = "Family Support" if language == "en" or not name_cy else name_cy
    hidden = '<span class="govuk-visually-hidden" lang="en">' if english else '<span class="govuk-visually-hidden">'
    assert f"{hidden} ({shown})</span></a>" in rows
