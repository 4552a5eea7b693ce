"""Services A to Z (/services/): find a service by its name without typing it anywhere the server sees."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta

import factory
import pytest
from django.utils import translation

from directory import a_to_z
from tests.factories import (
    ClosedServiceFactory,
    OrganisationFactory,
    PausedServiceFactory,
    ServiceFactory,
    UnpublishedServiceFactory,
)

pytestmark = pytest.mark.django_db


def factory_name(prefix: str) -> factory.Sequence:
    """Names that sort in the order made: "Second 000", "Second 001", ..."""
    return factory.Sequence(lambda n: f"{prefix} {n:03d}")


def _names(response) -> list[str]:
    """The services listed, in order, as their links say."""
    body = response.content.decode()
    return re.findall(r'<h3 class="govuk-heading-s sm-az-item__name"><a [^>]*>([^<]*)</a>', body)


def test_it_lists_a_letters_published_services_alphabetically_whatever_their_case(client):
    for name in ("beech house", "Barnardo's Cymru", "Birch project", "Apple tree"):
        ServiceFactory(name=name)
    response = client.get("/services/", {"letter": "b"})
    assert response.status_code == 200
    assert _names(response) == ["Barnardo&#x27;s Cymru", "beech house", "Birch project"]


def test_without_a_letter_it_shows_the_first_letter_that_has_services(client):
    ServiceFactory(name="Dyfed project")
    ServiceFactory(name="Gwent project")
    response = client.get("/services/")
    assert _names(response) == ["Dyfed project"]
    assert 'aria-current="page">D</a>' in response.content.decode()


def test_names_that_start_with_a_digit_or_a_symbol_are_under_0_to_9_and_other(client):
    ServiceFactory(name="24/7 helpline")
    ServiceFactory(name="“Hope” group")
    ServiceFactory(name="Hope project")
    assert _names(client.get("/services/", {"letter": "0-9"})) == ["24/7 helpline", "“Hope” group"]
    assert _names(client.get("/services/", {"letter": "h"})) == ["Hope project"]


def test_the_welsh_page_files_a_service_under_its_welsh_name_and_marks_english_fallbacks(client):
    ServiceFactory(name_en="Children's therapy", name_cy="Therapi plant")
    ServiceFactory(name_en="Counselling service", name_cy="")
    ServiceFactory(name_en="Trauma team")
    with translation.override("cy"):
        welsh_th = client.get("/cy/services/", {"letter": "th"})  # a letter of the Welsh alphabet
        welsh_t = client.get("/cy/services/", {"letter": "t"})
        welsh_c = client.get("/cy/services/", {"letter": "c"})
    assert _names(welsh_th) == ["Therapi plant"]
    assert _names(welsh_t) == ["Trauma team"]
    assert _names(welsh_c) == ["Counselling service"]
    assert 'lang="en">Counselling service</a>' in welsh_c.content.decode()
    assert 'lang="en">Therapi plant' not in welsh_th.content.decode()
    # In English the same service is under C.
    assert _names(client.get("/services/", {"letter": "c"})) == ["Children&#x27;s therapy", "Counselling service"]


def test_the_letter_counts_follow_the_pages_language():
    ServiceFactory(name_en="Children's therapy", name_cy="Therapi plant")
    ServiceFactory(name_en="7 day helpline", name_cy="")
    assert a_to_z.service_letter_counts(language="en") == {"c": 1, a_to_z.OTHER: 1}
    assert a_to_z.service_letter_counts(language="cy") == {"th": 1, a_to_z.OTHER: 1}


def test_a_name_starting_with_an_accented_letter_is_listed_under_that_letter(client):
    # SQLite's lower() leaves "Ŵ" as it is: it went under "0–9 and other", where nobody looks for it.
    ServiceFactory(name_en="Women's support", name_cy="Ŵyr ac wyresau")
    ServiceFactory(name_en="École service", name_cy="")
    ServiceFactory(name_en="24 hour line", name_cy="")
    with translation.override("cy"):
        assert a_to_z.service_letter_counts(language="cy") == {"w": 1, "e": 1, a_to_z.OTHER: 1}
        assert _names(client.get("/cy/services/", {"letter": "w"})) == ["Ŵyr ac wyresau"]
        assert _names(client.get("/cy/services/", {"letter": "0-9"})) == ["24 hour line"]
    assert _names(client.get("/services/", {"letter": "e"})) == ["École service"]


def test_unpublished_services_are_never_listed_or_counted(client):
    ServiceFactory(name="Approved one")
    UnpublishedServiceFactory(name="Awaiting approval")
    UnpublishedServiceFactory(name="Waiting one")
    body = client.get("/services/", {"letter": "a"}).content.decode()
    assert "Approved one" in body and "Awaiting approval" not in body
    assert a_to_z.service_letter_counts(language="en") == {"a": 1}
    # W has only an unpublished service: not a link, and its page lists nothing.
    assert 'href="?letter=w"' not in body
    assert "Waiting one" not in client.get("/services/", {"letter": "w"}).content.decode()


def test_each_service_shows_its_organisation_who_it_supports_and_its_state(client):
    organisation = OrganisationFactory(name="Valleys Trust")
    ServiceFactory(name="Paused one", organisation=organisation, supports_parent_carer=True)
    PausedServiceFactory(name="Paused two")
    ClosedServiceFactory(name="Past project")
    ServiceFactory(name="Pine service", last_confirmed_at=date.today() - timedelta(days=400))
    body = client.get("/services/", {"letter": "p"}).content.decode()
    assert "Valleys Trust" in body
    assert "Supports the child, non-abusing parents and carers; ages 4 to 18." in body
    assert body.count("Referrals paused") == 1 and body.count(">Closed<") == 1
    assert body.count("Not confirmed for over 12 months") == 1


def test_a_letters_services_are_paged_with_govuk_pagination(client):
    ServiceFactory.create_batch(a_to_z.PAGE_SIZE + 3, name=factory_name("Service"))
    first = client.get("/services/", {"letter": "s"})
    second = client.get("/services/", {"letter": "s", "page": "2"})
    assert len(_names(first)) == a_to_z.PAGE_SIZE and len(_names(second)) == 3
    assert set(_names(first)).isdisjoint(_names(second))
    body = first.content.decode()
    assert 'class="govuk-pagination"' in body and 'href="?letter=s&amp;page=2"' in body
    assert f"{a_to_z.PAGE_SIZE + 3} services: page 1 of 2" in body


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ({"letter": "zz"}, "There is no letter “zz” in the list; showing A."),
        ({"letter": "<script>"}, "There is no letter “&lt;script&gt;” in the list; showing A."),
        ({"letter": "x" * 500}, "There is no letter “" + "x" * 20 + "” in the list; showing A."),
        ({"letter": "a", "page": "two"}, "There is no page “two”; showing the first page."),
        ({"letter": "a", "page": "0"}, "There is no page “0”; showing the first page."),
        ({"letter": "a", "page": "9"}, "There is only 1 page of results; showing it."),
    ],
)
def test_a_bad_letter_or_page_says_so_and_shows_a_page(client, query, notice):
    ServiceFactory(name="Anchor project")
    response = client.get("/services/", query)
    assert response.status_code == 200
    assert notice in response.content.decode()
    assert _names(response) == ["Anchor project"]


def test_a_letter_in_capitals_is_taken(client):
    ServiceFactory(name="Bridge project")
    response = client.get("/services/", {"letter": "B"})
    assert _names(response) == ["Bridge project"] and "There is no letter" not in response.content.decode()


def test_an_empty_letter_says_so(client):
    ServiceFactory(name="Bridge project")
    body = client.get("/services/", {"letter": "q"}).content.decode()
    assert "No service's name starts with Q." in body
    assert 'id="az-filter"' not in body  # nothing to filter


def test_an_empty_directory_shows_a_page(client):
    response = client.get("/services/", {"page": "3"})
    assert response.status_code == 200
    assert "No service's name starts with A." in response.content.decode()


def test_the_filter_box_has_no_name_and_is_in_no_form_so_what_is_typed_is_never_sent(client):
    ServiceFactory(name="Bridge project")
    body = client.get("/services/", {"letter": "b"}).content.decode()
    field = re.search(r"<input [^>]*id=\"az-filter\"[^>]*>", body).group(0)
    assert " name=" not in field
    assert "<form" not in body.split('<main', 1)[1].split("</main>", 1)[0]
    assert "stays on this device" in body
    # Hidden until its script shows it: without JavaScript it could do nothing.
    assert re.search(r'<div class="[^"]*sm-az-filter"[^>]*\bhidden\b', body)
    assert "js/list-filter.js" in body


def test_the_letters_are_a_navigation_landmark_marking_the_current_letter(client):
    ServiceFactory(name="Bridge project")
    ServiceFactory(name="Cedar project")
    body = client.get("/services/", {"letter": "c"}).content.decode()
    nav = re.search(r'<nav class="sm-az-letters" aria-label="[^"]+">(.*?)</nav>', body, re.S).group(1)
    assert nav.count('aria-current="page"') == 1
    assert '<a class="govuk-link sm-az-letters__link sm-az-letters__link--current" href="?letter=c" aria-current="page">C</a>' in nav
    assert 'href="?letter=b">B</a>' in nav
    assert "A<span class=\"govuk-visually-hidden\"> (no services)</span>" in nav


def test_a_page_runs_the_same_number_of_queries_however_many_services_it_lists(
    client, wales_areas, django_assert_max_num_queries,
):
    areas = list(wales_areas.values())[:6]
    ServiceFactory.create_batch(3, name=factory_name("Small"), coverage=areas)
    client.get("/services/", {"letter": "s"})  # warm: the session, the directory version
    with django_assert_max_num_queries(4) as few:
        client.get("/services/", {"letter": "s"})
    ServiceFactory.create_batch(a_to_z.PAGE_SIZE, name=factory_name("Second"), coverage=areas)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/services/", {"letter": "s"})
    assert len(_names(response)) == a_to_z.PAGE_SIZE


def test_the_home_and_search_pages_link_to_the_a_to_z(client):
    for path in ("/", "/search/", "/cy/", "/cy/search/"):
        body = client.get(path).content.decode()
        prefix = "/cy" if path.startswith("/cy") else ""
        assert f'href="{prefix}/services/"' in body, path


# --- the Welsh alphabet on Welsh pages ---------------------------------------------------------


@pytest.mark.parametrize(("name", "welsh", "english"), [
    ("Llamau", "ll", "l"), ("Llangollen project", "ll", "l"), ("L'Arche", "l", "l"), ("Lles", "ll", "l"),
    ("Chwarae Teg", "ch", "c"), ("Canolfan", "c", "c"), ("Dyfodol", "d", "d"), ("Ddraig", "dd", "d"),
    ("Ffordd Newydd", "ff", "f"), ("Fforwm", "ff", "f"), ("Fy Nghymru", "f", "f"),
    ("Nghanolfan", "ng", "n"), ("Nyth", "n", "n"), ("Gofal", "g", "g"), ("Phoenix", "ph", "p"), ("Plant", "p", "p"),
    ("Rhieni", "rh", "r"), ("Theatr", "th", "t"), ("Tŷ Hafan", "t", "t"), ("Ŵyr", "w", "w"), ("Ŷd", "y", "y"),
    ("LLAMAU", "ll", "l"), ("Vale of Glamorgan", "v", "v"), ("7 day line", a_to_z.OTHER, a_to_z.OTHER),
    ("“Hope”", a_to_z.OTHER, a_to_z.OTHER), ("", a_to_z.OTHER, a_to_z.OTHER),
])
def test_a_welsh_pages_letter_is_the_welsh_letter_a_name_starts_with(name, welsh, english):
    assert a_to_z.letter_of(name[:2], "cy") == welsh
    assert a_to_z.letter_of(name[:1], "en") == english


def test_welsh_names_sort_in_the_welsh_alphabets_order():
    # Each pair is the other way round in English order: l < ll, d < dd, ng < n, c < ch, t < th, p < ph, r < rh.
    for first, second in [("Gwasanaeth Lyn", "Gwasanaeth Llys"), ("Adwy", "Addysg"), ("Yng Nghymru", "Yn Hapus"),
                          ("Cwm", "Chwarae"), ("Tyst", "Theatr"), ("Prosiect", "Phoenix"), ("Rwy", "Rhieni")]:
        assert sorted([second, first], key=a_to_z.welsh_sort_key) == [first, second]
        assert sorted([first, second], key=str.lower) == [second, first]
    # A space before any letter; accents only between names otherwise equal; case not at all.
    assert sorted(["Gŵyl", "Gwent", "Gwyl", "Gwe"], key=a_to_z.welsh_sort_key) == ["Gwe", "Gwent", "Gwyl", "Gŵyl"]
    assert sorted(["Tŷ Hafan", "Tyddyn"], key=a_to_z.welsh_sort_key) == ["Tŷ Hafan", "Tyddyn"]
    assert a_to_z.WELSH_ALPHABET == tuple(letter for letter in a_to_z.WELSH_LETTERS
                                          if letter not in a_to_z.NOT_WELSH and letter != a_to_z.OTHER)


def _nav(response) -> list[str]:
    nav = re.search(r'<nav class="sm-az-letters" aria-label="[^"]+">(.*?)</nav>', response.content.decode(), re.S)[1]
    return [re.sub(r"<span class=\"govuk-visually-hidden\">.*?</span>|<[^>]+>", "", item).strip()
            for item in re.findall(r'<li class="sm-az-letters__item">(.*?)</li>', nav)]


def test_the_welsh_page_lists_the_welsh_alphabet_in_its_order_and_the_english_page_a_to_z(client):
    ServiceFactory(name_en="Safe steps", name_cy="Llwybrau diogel")
    ServiceFactory(name_en="Vale of Glamorgan service", name_cy="")  # no Welsh name: shown in English
    with translation.override("cy"):
        welsh = client.get("/cy/services/")
        welsh_ll = client.get("/cy/services/", {"letter": "ll"})
        welsh_l = client.get("/cy/services/", {"letter": "l"})
        welsh_k = client.get("/cy/services/", {"letter": "K"})
    english = client.get("/services/")

    assert _nav(welsh) == ["A", "B", "C", "Ch", "D", "Dd", "E", "F", "Ff", "G", "Ng", "H", "I", "J", "L", "Ll", "M",
                           "N", "O", "P", "Ph", "R", "Rh", "S", "T", "Th", "U", "V", "W", "Y", "0–9 ac eraill"]
    assert _nav(english) == [*string.ascii_uppercase, "0–9 and other"]
    # The first letter with services, in the Welsh order: Ll (before V).
    assert 'aria-current="page">Ll</a>' in welsh.content.decode() and _names(welsh) == ["Llwybrau diogel"]
    assert _names(welsh_ll) == ["Llwybrau diogel"] and '<h2 class="govuk-heading-l" id="az-letter">Ll</h2>' in (
        welsh_ll.content.decode())
    assert _names(welsh_l) == [] and "Does dim enw gwasanaeth yn dechrau gyda'r llythyren L." in welsh_l.content.decode()
    # A letter outside the Welsh alphabet is still a letter to ask for (a name may start with it).
    assert welsh_k.status_code == 200 and "Does dim llythyren" not in welsh_k.content.decode()
    assert "There is no letter “ll” in the list" in client.get("/services/", {"letter": "ll"}).content.decode()
    assert _names(client.get("/services/", {"letter": "s"})) == ["Safe steps"]


def test_a_welsh_letters_services_are_paged_in_welsh_order_with_a_flat_number_of_queries(
    client, wales_areas, django_assert_max_num_queries,
):
    areas = list(wales_areas.values())[:6]
    # Byte order would put every "Gwasanaeth Ll…" before every "Gwasanaeth Lu…": Welsh order is l before ll.
    for n in range(3):
        ServiceFactory(name_en=f"English {n}", name_cy=f"Gwasanaeth Llys {n:03d}", coverage=areas)
        ServiceFactory(name_en=f"English {n}", name_cy=f"Gwasanaeth Lu {n:03d}", coverage=areas)
    with translation.override("cy"):
        client.get("/cy/services/", {"letter": "g"})  # warm: the session, the directory version
        with django_assert_max_num_queries(4) as few:
            response = client.get("/cy/services/", {"letter": "g"})
        assert _names(response) == [*(f"Gwasanaeth Lu {n:03d}" for n in range(3)),
                                    *(f"Gwasanaeth Llys {n:03d}" for n in range(3))]
        for n in range(3, a_to_z.PAGE_SIZE):
            ServiceFactory(name_en=f"English {n}", name_cy=f"Gwasanaeth Llys {n:03d}", coverage=areas)
        with django_assert_max_num_queries(len(few.captured_queries)):
            first = client.get("/cy/services/", {"letter": "g"})
        second = client.get("/cy/services/", {"letter": "g", "page": "2"})
    assert _names(first) == [*(f"Gwasanaeth Lu {n:03d}" for n in range(3)),
                             *(f"Gwasanaeth Llys {n:03d}" for n in range(a_to_z.PAGE_SIZE - 3))]
    assert _names(second) == [f"Gwasanaeth Llys {n:03d}" for n in range(a_to_z.PAGE_SIZE - 3, a_to_z.PAGE_SIZE)]
    assert 'href="?letter=g&amp;page=2"' in first.content.decode()
