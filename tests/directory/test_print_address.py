"""The address a printed page shows at its top (base.html): the site's public address of the page,
its query included, unless the query is longer than any the site makes."""

from __future__ import annotations

from directory.context_processors import PRINTED_ADDRESS_MAX, print_address


def test_the_printed_address_is_the_public_one_with_its_query(rf, settings):
    settings.SITE_URL = "https://directory.example.org/"
    request = rf.get("/cy/gaps/", {"layer": "intra_familial", "view": "health_board"})
    assert print_address(request) == "https://directory.example.org/cy/gaps/?layer=intra_familial&view=health_board"


def test_a_query_longer_than_the_site_makes_is_left_off(rf, settings):
    settings.SITE_URL = "https://directory.example.org"
    request = rf.get("/gaps/unmet/", {"quarter": "notachoice" * 50})
    assert len(request.get_full_path()) > PRINTED_ADDRESS_MAX
    assert print_address(request) == "https://directory.example.org/gaps/unmet/"
