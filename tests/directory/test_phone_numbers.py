"""Phone numbers are links a phone can dial, wherever a social worker reads one: the service page,
the search's result cards and the shortlist's referral pack (directory/phone_numbers.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from directory.phone_numbers import dialling_form, phone_link
from tests.factories import ServiceFactory

CARDIFF = "W06000015"


@pytest.mark.parametrize(("written", "dialled"), [
    ("029 2012 3456", "+442920123456"),
    ("02920 123456", "+442920123456"),
    ("(029) 2012-3456", "+442920123456"),
    ("+44 (0)29 2012 3456", "+442920123456"),
    ("+44 29 2012 3456", "+442920123456"),
    ("0044 29 2012 3456", "+442920123456"),
    ("01632 960000", "+441632960000"),
    ("07700 900123", "+447700900123"),
    ("0800 123 456", "+44800123456"),  # a nine-digit freephone number
    ("0800 1111", "+448001111"),  # Childline
    ("116 123", "116123"),  # Samaritans: dialled as it is, from anywhere in Europe
    ("999", "999"),
    ("+353 1 234 5678", "+35312345678"),  # across the border, as written with its country
])
def test_a_number_as_people_write_it_dials_in_its_global_form(written, dialled):
    assert dialling_form(written) == dialled


@pytest.mark.parametrize("written", [
    "", "ext 2", "01632 960000 ext 2", "01632 960000 or 01632 960001", "01632 960000 / 960001",
    "0163 296", "029 2012 3456 7", "+44 029 2012 3456", "12345", "+1 23",
    "Call 029 2012 3456", "０２９ ２０１２ ３４５６",  # full-width digits: not what a tel: link may hold
])
def test_text_that_is_not_plainly_one_number_is_not_dialled(written):
    assert dialling_form(written) is None
    assert "<a" not in phone_link(written)


def test_the_link_shows_the_number_as_written_and_plain_text_stays_escaped():
    assert phone_link("029 2012 3456") == '<a class="govuk-link" href="tel:+442920123456">029 2012 3456</a>'
    assert phone_link("01632 960000 <ext 2>") == "01632 960000 &lt;ext 2&gt;"


def _tel_links(html: str) -> dict[str, str]:
    """Each tel: link's target and its text: the text is what a screen reader reads out."""
    return {href: text for href, text in re.findall(r'<a class="govuk-link" href="tel:([^"]+)">([^<]*)</a>', html)}


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_the_service_page_links_the_referral_and_organisation_numbers(client, db, prefix):
    service = ServiceFactory(referral_phone="029 2012 3456", organisation__phone="+44 (0)1632 960001")

    html = client.get(prefix + reverse("directory:service_detail", args=[service.public_id])).content.decode()

    # Read as written, in groups, not as the one large number of the link's target.
    assert _tel_links(html) == {"+442920123456": "029 2012 3456", "+441632960001": "+44 (0)1632 960001"}


def test_the_referral_pack_links_the_contact_number(client, db):
    referral = ServiceFactory(referral_phone="029 2012 3456")
    organisation_only = ServiceFactory(referral_phone="", organisation__phone="01632 960001")
    unclear = ServiceFactory(referral_phone="01632 960000 ext 12")
    ids = ",".join(str(s.public_id) for s in (referral, organisation_only, unclear))

    html = client.get(f"{reverse('directory:shortlist')}?ids={ids}").content.decode()

    assert _tel_links(html) == {"+442920123456": "029 2012 3456", "+441632960001": "01632 960001"}
    assert "01632 960000 ext 12" in html


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_the_search_result_cards_link_the_referral_number(client, wales_areas, prefix):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], referral_phone="029 2012 3456")

    html = client.get(prefix + reverse("directory:search") + f"?la={CARDIFF}").content.decode()

    assert _tel_links(html) == {"+442920123456": "029 2012 3456"}
    # Named and on a line of its own, not beside the referral form's link as if a second one to it.
    said = "Ffôn" if prefix else "Phone"
    assert re.search(rf'<p class="govuk-body-s sm-tight">{said}: <a [^>]*href="tel:\+442920123456"', html)
