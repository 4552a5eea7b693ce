"""What a reader in England or Scotland sees: the gaps figures say they are for Wales only, on every
page, download and API response, and an English or Scottish authority's page says why it has none,
rather than "page not found ... the service may have closed"."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

WALES_ONLY = {
    "en": "Wales only: the figures are for Wales's local authorities.",
    "cy": "Cymru yn unig: mae'r ffigurau ar gyfer awdurdodau lleol Cymru.",
}
BRISTOL, GLASGOW = "E06000023", "S12000049"


def _words(text: str) -> str:
    return " ".join(text.replace("&#x27;", "'").replace("&#39;", "'").split())


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_gaps_figures_say_they_are_for_wales_only_on_the_pages_and_csv(client, wales_areas, lang):
    prefix = "/cy" if lang == "cy" else ""
    for path in ("/gaps/", "/gaps/headlines/", "/gaps/area/W06000015/"):
        assert WALES_ONLY[lang] in _words(client.get(prefix + path).content.decode()), path
    assert WALES_ONLY[lang] in _words(client.get(prefix + "/gaps/data.csv").content.decode("utf-8-sig"))


def test_the_api_says_its_figures_are_for_wales_only(client, wales_areas):
    assert WALES_ONLY["en"] in client.get("/api/gaps/").json()["notes"]["limits"]


def test_the_unmet_searches_say_searches_outside_wales_are_not_counted(client, wales_areas):
    text = _words(client.get(reverse("gaps:unmet")).content.decode())
    assert "a search from a postcode in England or Scotland is not." in text


@pytest.mark.parametrize(("code", "name", "country"), [(BRISTOL, "Bristol", "England"),
                                                       (GLASGOW, "Glasgow City", "Scotland")])
def test_an_authority_outside_wales_says_the_figures_cover_wales_only(client, wales_areas, code, name, country):
    response = client.get(reverse("gaps:area", args=[code]))
    assert response.status_code == 404
    text = _words(response.content.decode())
    assert f"{name} is a local authority in {country}. There are no gaps figures for it." in text
    assert WALES_ONLY["en"] in text
    assert "the service may have closed" not in text


def test_in_welsh_an_english_authority_is_named_with_the_welsh_sentence(client, wales_areas):
    response = client.get("/cy" + reverse("gaps:area", args=[BRISTOL]))
    assert response.status_code == 404
    text = _words(response.content.decode())
    assert "Mae Bryste yn awdurdod lleol yn Lloegr." in text  # its Welsh name, as Caerdydd's
    assert "Bristol" not in text


def test_a_code_nobody_knows_is_still_the_plain_404(client, wales_areas):
    response = client.get(reverse("gaps:area", args=["E99999999"]))
    assert response.status_code == 404
    assert "There are no gaps figures" not in response.content.decode()
