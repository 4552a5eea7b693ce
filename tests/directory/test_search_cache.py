"""The search page's cached results: the same page as an uncached search, new after any directory
change, the visitor's own shortlist buttons, the unmet-demand counter, no session or cookie."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from directory import renderings, result_cards, search_cache, search_index, version
from directory.models import PostcodeDistrict, Service, ServiceRendering, WaitingTimeReport
from gaps.models import UnmetSearchCount
from tests.factories import PostcodeFactory, ServiceAtLocationFactory, ServiceFactory

CARDIFF = "W06000015"
SEARCH = reverse("directory:search")
QUERY = SEARCH + "?postcode=CF10+1&age=9&abuse_form=intra_familial"


@pytest.fixture
def cardiff_postcode(db):
    # Searched from its sector, as a full postcode is (directory/postcode_privacy.py).
    PostcodeDistrict.objects.create(prefix="CF10 1", latitude=51.4797, longitude=-3.1781, lad_code=CARDIFF)
    return PostcodeFactory(postcode="CF10 1EP", latitude=51.4816, longitude=-3.1791, lad_code=CARDIFF)


def _generation() -> str:
    return version.current_with_generation()[1]


def _cached(client, path: str = QUERY):
    """Ask for a search twice: its page is kept from its second ask (servicemap/cache_admission.py)."""
    client.get(path)
    return client.get(path)


def _page(response) -> str:
    # The CSRF token is masked afresh, and the CSP nonce drawn afresh, on every request.
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", page)


def test_a_repeated_search_is_the_same_page_without_running_the_search(
    client, wales_areas, cardiff_postcode, django_assert_max_num_queries
):
    for i in range(3):
        service = ServiceFactory(name=f"Service {i}", coverage=[wales_areas[CARDIFF]])
        ServiceAtLocationFactory(service=service, location__latitude=51.48, location__longitude=-3.18)
    first = client.get(QUERY)
    second = client.get(QUERY)  # asked again: rendered again, and kept

    with django_assert_max_num_queries(1):  # the directory version
        third = client.get(QUERY)

    assert third.status_code == 200
    assert _page(third) == _page(second) == _page(first)
    assert "3 services found" in _page(third)


def test_a_search_asked_once_leaves_only_a_mark_in_the_cache(client, wales_areas, cardiff_postcode):
    ServiceFactory(name="Marked service", coverage=[wales_areas[CARDIFF]])
    key = search_cache.cache_key(client.get(QUERY).wsgi_request, _generation())

    assert cache.get(key) == 1  # cache_admission.ASKED_ONCE: a few bytes, not the ~90 kB page
    client.get(QUERY)
    assert isinstance(cache.get(key), bytes)
    assert search_cache.load(client.get(QUERY).wsgi_request, _generation()) is not None


def test_any_change_to_the_directory_shows_at_once(client, wales_areas, cardiff_postcode):
    service = ServiceFactory(name="Old name", coverage=[wales_areas[CARDIFF]])
    assert "Old name" in _page(_cached(client))

    service.name = "New name"
    service.save()

    page = _page(client.get(QUERY))
    assert "New name" in page and "Old name" not in page


def test_a_bulk_change_shows_once_the_version_is_bumped(client, wales_areas, cardiff_postcode):
    ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])
    assert "1 service found" in _page(_cached(client))

    Service.objects.update(is_published=False)  # bypasses the signals, as an importer might
    version.bump()

    assert "0 services found" in _page(client.get(QUERY))


def test_the_cache_key_changes_with_the_generation_the_day_and_the_language(rf):
    request = rf.get(QUERY)
    key = search_cache.cache_key(request, "v1")

    assert search_cache.cache_key(rf.get(QUERY), "v1") == key
    assert search_cache.cache_key(request, "v2") != key
    assert search_cache.cache_key(rf.get(QUERY + "&page=2"), "v1") != key
    assert search_cache.cache_key(rf.get("/cy" + QUERY), "v1") != key
    with time_machine.travel("2030-01-02 12:00 +0000"):
        assert search_cache.cache_key(request, "v1") != key
    assert "CF10" not in key and "intra" not in key  # a keyed hash: the key says nothing of the search


def test_each_visitor_sees_their_own_shortlist_on_a_cached_page(client, wales_areas, cardiff_postcode):
    on_list = ServiceFactory(name="On my list", coverage=[wales_areas[CARDIFF]])
    ServiceFactory(name="Not on it", coverage=[wales_areas[CARDIFF]])
    _cached(client)  # by someone without a shortlist
    client.post(reverse("directory:shortlist_add"), {"service": str(on_list.public_id), "next": QUERY})

    page = _page(client.get(QUERY))

    assert page.count("Remove from shortlist") == 1
    assert page.count("Add to shortlist") == 1
    article = page[page.index(f'id="service-{on_list.public_id}"'):]
    assert article.index("Remove from shortlist") < article.index("</article>")
    assert 'name="next" value="/search/?postcode=CF10+1&amp;age=9&amp;abuse_form=intra_familial"' in page


def test_a_welsh_page_marks_a_shortlist_buttons_english_name_as_english_cached_or_not(
    client, wales_areas, cardiff_postcode
):
    # The button's hidden "Ychwanegu at y rhestr fer: <name>" was read in a Welsh voice for an
    # English name, where the card's heading above it is marked lang="en".
    english = ServiceFactory(name="Cardiff Family Support", name_cy="", coverage=[wales_areas[CARDIFF]])
    welsh = ServiceFactory(name="Swansea Young People", name_cy="Pobl Ifanc Abertawe", coverage=[wales_areas[CARDIFF]])
    client.post(reverse("directory:shortlist_add"), {"service": str(welsh.public_id), "next": QUERY})

    for path in (QUERY, "/cy" + QUERY):
        first = client.get(path).content.decode()
        cached = _cached(client, path).content.decode()  # kept from its second ask, and served from the cache
        for page in (first, cached):
            assert page.count('<span class="govuk-visually-hidden" lang="en"> – Cardiff Family Support</span>') == (
                path.startswith("/cy"))
            assert '<span class="govuk-visually-hidden"> – Pobl Ifanc Abertawe</span>' in page or not path.startswith("/cy")
            assert '<span class="govuk-visually-hidden"> – Swansea Young People</span>' in page or path.startswith("/cy")
            assert page.count('lang="en"> – ') == page.count(f'lang="en">{english.name}</a></h3>')  # as the card's heading


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("name_cy", ["", "Grŵp Tom & Jerry"])
def test_a_filled_button_is_the_button_the_template_renders(rf, language, name_cy):
    request = rf.get(QUERY)
    request.csp_nonce = None
    named = search_cache.ShortlistedService(uuid4(), "Tom & Jerry's <b>group</b>")  # a name alone
    # As a search's light row: its name in the page's language, English where it has no Welsh one.
    translated = ServiceFactory.build(name="Tom & Jerry's <b>group</b>", name_cy=name_cy)
    with translation.override(language):
        for service in (named, translated):
            holes = search_cache.Holes()
            parts = holes.split("<p>" + holes.shortlist_button(service) + "</p>")

            for shortlisted in (set(), {service.public_id}):
                filled = search_cache.fill(parts, request, shortlisted).decode()

                token = re.search(r'csrfmiddlewaretoken" value="([^"]+)"', filled)[1]
                expected = render_to_string(search_cache.SHORTLIST_BUTTON, {
                    "service": service, "shortlisted": shortlisted, "request": request, "csrf_token": token,
                })
                assert filled == f"<p>{expected}</p>"
                assert escape(service.name) in filled
        # The name is marked English where a Welsh page shows it in English, and nowhere else.
        assert ('class="govuk-visually-hidden" lang="en">' in filled) == (language == "cy" and not name_cy)


def test_the_map_of_a_cached_search_gets_each_response_nonce(client, wales_areas, cardiff_postcode):
    service = ServiceFactory(coverage=[wales_areas[CARDIFF]])
    ServiceAtLocationFactory(service=service, location__latitude=51.48, location__longitude=-3.18)
    _cached(client, QUERY + "&view=map")

    response = client.get(QUERY + "&view=map")

    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
    assert f'<script nonce="{nonce}">' in response.content.decode()


@time_machine.travel("2026-11-25 10:00 +0000")
def test_a_cached_search_with_nothing_local_is_still_counted_each_time(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], age_min=12, age_max=18)
    query = {"la": CARDIFF, "age": "9", "abuse_form": "intra_familial"}

    for _ in range(3):
        assert client.get(SEARCH, query).status_code == 200
    client.get(SEARCH, {**query, "page": "1"})  # paging: not a new search
    client.get(SEARCH, {**query, "view": "map"})  # the map of the same search: neither

    row = UnmetSearchCount.objects.get()
    assert (row.lad_code, row.excluded_by, row.reason, row.count) == (CARDIFF, "age", "criteria_exclude", 3)


def test_a_search_sets_no_session_and_no_cookie_but_the_csrf_one_its_buttons_need(client, wales_areas, cardiff_postcode):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])

    for _ in range(3):  # computed, computed and kept, then from the cache
        response = client.get(QUERY)
        assert set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    empty = client.get(SEARCH + "?la=W06000011")  # no results, so no buttons: no cookie at all
    assert "0 services found" in _page(empty)
    assert not empty.cookies


def test_the_search_index_is_read_again_when_the_version_changes(wales_areas, django_assert_num_queries):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    first = search_index.current()
    with django_assert_num_queries(1):
        assert search_index.current() is first

    ServiceFactory(coverage=[wales_areas[CARDIFF]])

    assert search_index.current() is not first
    assert len(search_index.current().rows) == 2


def test_an_invalid_search_is_not_cached(client, wales_areas):
    assert client.get(SEARCH + "?age=9").status_code == 400
    assert client.get(SEARCH + "?age=9").status_code == 400
    assert not cache.get(search_cache.cache_key(client.get(SEARCH + "?age=9").wsgi_request, _generation()))


def test_the_cache_holds_no_readable_search(client, wales_areas, cardiff_postcode):
    # Whoever can read the cache must not be able to read searches out of it.
    ServiceFactory(name="Sealed service", coverage=[wales_areas[CARDIFF]])
    response = _cached(client)
    stored = cache.get(search_cache.cache_key(response.wsgi_request, _generation()))

    assert isinstance(stored, bytes)
    for visible in (b"CF10", b"CF10+1", b"intra_familial", b"Sealed service"):
        assert visible not in stored
    assert search_cache.load(response.wsgi_request, _generation()) is not None
    # Sealed under the search itself: another search's key cannot open it.
    other = client.get(SEARCH + "?postcode=CF10+1&age=10&abuse_form=intra_familial").wsgi_request
    cache.set(search_cache.cache_key(other, _generation()), stored)
    assert search_cache.load(other, _generation()) is None


def test_the_local_authority_list_is_cached_per_version_with_the_chosen_one_selected(
    client, wales_areas, cardiff_postcode
):
    swansea = "W06000011"
    page = client.get(SEARCH + f"?la={swansea}&age=9").content.decode()
    assert f'<option value="{swansea}" selected>Swansea</option>' in page
    assert f'<option value="{CARDIFF}">Cardiff</option>' in page

    page = client.get(SEARCH + f"?la={CARDIFF}&age=9").content.decode()  # the list from the cache
    assert f'<option value="{CARDIFF}" selected>Cardiff</option>' in page
    assert f'<option value="{swansea}">Swansea</option>' in page
    assert '<option value="" selected>' not in page

    area = wales_areas[swansea]
    area.name = "Abertawe-Swansea"
    area.save()
    version.bump()  # whether or not the area's save bumped already
    page = client.get(SEARCH + f"?la={CARDIFF}&age=9").content.decode()
    assert f'<option value="{swansea}">Abertawe-Swansea</option>' in page


def test_the_local_authority_list_in_welsh_is_in_welsh(client, wales_areas, cardiff_postcode):
    client.get(SEARCH + f"?la={CARDIFF}&age=9")
    page = client.get("/cy" + SEARCH + f"?la={CARDIFF}&age=10").content.decode()
    assert f'<option value="{CARDIFF}" selected>Caerdydd</option>' in page


def test_a_result_card_shows_a_change_to_its_service_in_every_search(client, wales_areas, cardiff_postcode):
    service = ServiceFactory(name="Card service", coverage=[wales_areas[CARDIFF]], referral_phone="01234 000001")
    assert "01234 000001" in _page(client.get(QUERY))

    service.referral_phone = "01234 000002"
    service.save()

    other_search = SEARCH + "?postcode=CF10+1&age=10"  # a new link: its card parts come from the card cache
    page = _page(client.get(other_search))
    assert "01234 000002" in page and "01234 000001" not in page


def test_a_result_card_is_rendered_afresh_each_day(client, wales_areas, cardiff_postcode):
    service = ServiceFactory(name="Card service", coverage=[wales_areas[CARDIFF]])
    with time_machine.travel("2026-03-02 10:00", tick=False):
        WaitingTimeReport.objects.create(service=service, weeks=3, referrals_open=True)
        assert "reported today" in _page(client.get(QUERY))
    with time_machine.travel("2026-03-05 10:00", tick=False):
        page = _page(client.get(SEARCH + "?postcode=CF10+1&age=10"))
    assert "reported 3 days ago" in page


def test_a_result_card_in_welsh_is_not_the_english_one(client, wales_areas, cardiff_postcode):
    ServiceFactory(name="Card service", coverage=[wales_areas[CARDIFF]])
    english = _page(client.get(QUERY))
    welsh = _page(client.get("/cy" + SEARCH + "?postcode=CF10+1&age=10"))
    assert 'href="/services/' in english and 'href="/cy/services/' in welsh


def test_a_search_whose_cards_are_cached_reads_no_full_service_and_shows_the_same_page(
    client, wales_areas, cardiff_postcode, monkeypatch
):
    # What a result shows besides its cached card comes from the light row: the name (in Welsh on
    # Welsh pages) in the shortlist button, the helpline label, how many bases it has.
    based = ServiceFactory(name="Two bases", name_cy="Dwy ganolfan", coverage=[wales_areas[CARDIFF]])
    for latitude in (51.48, 51.50):
        ServiceAtLocationFactory(service=based, location__latitude=latitude, location__longitude=-3.18)
    ServiceFactory(name="Helpline", kind_helpline=True)
    ServiceFactory(name="All-Wales helpline", kind_helpline=True, coverage=[wales_areas["W92000004"]])
    monkeypatch.setattr(search_cache, "look_up", lambda request, generation: (None, None))  # render every time
    pages = {}
    for path in (QUERY, "/cy" + QUERY):
        pages[path] = _page(client.get(path))
        with CaptureQueriesContext(connection) as cards_held:
            again = _page(client.get(path))
        result_cards.forget()  # the cards this process holds decoded: the next page reads the stored ones
        with CaptureQueriesContext(connection) as cards_cached:
            stored = _page(client.get(path))
        ServiceRendering.objects.filter(kind=renderings.CARD).delete()
        result_cards.forget()
        with CaptureQueriesContext(connection) as cards_rendered:
            rendered = _page(client.get(path))

        assert again == stored == rendered == pages[path]
        # Cards this process holds read nothing; stored cards read no full service (one read of
        # the cards); missing ones read them in one query, then are stored (a savepoint around one
        # insert). The card counts the index's points for "(nearest base)", so no published sites
        # are read either way.
        assert not _reads_renderings(cards_held) and len(cards_held) == len(cards_cached) - 1
        assert len(cards_cached) == len(cards_rendered) - 4
        assert not any("directory_organisation" in q["sql"] for q in cards_cached.captured_queries)
        assert sum("INSERT INTO" in q["sql"] for q in cards_rendered.captured_queries) == 1
        assert not any("serviceatlocation" in q["sql"] for q in cards_rendered.captured_queries)
    english, welsh = pages.values()
    assert "(nearest base)" in english and "National helpline" in english and "All-Wales helpline" in english
    assert " – Two bases</span>" in english and " – Dwy ganolfan</span>" in welsh


@pytest.mark.parametrize("stored", [b"", b"short", b"x" * 200, "not bytes"])
def test_anything_in_the_cache_that_does_not_open_is_a_miss(rf, stored):
    request = rf.get(QUERY)
    cache.set(search_cache.cache_key(request, "v1"), stored)

    assert search_cache.load(request, "v1") is None


# --- a cached page outlives changes to services its search does not weigh -----------------------

GWYNEDD = "W06000002"


def _reads_renderings(queries) -> bool:
    return any(ServiceRendering._meta.db_table in q["sql"] for q in queries.captured_queries)


@pytest.fixture
def cardiff_and_gwynedd(wales_areas, cardiff_postcode):
    """Two Cardiff services (one for older children only) and one in Gwynedd, far from Cardiff."""
    local = ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])
    older = ServiceFactory(name="Cardiff teens", coverage=[wales_areas[CARDIFF]], age_min=13, age_max=17)
    far = ServiceFactory(name="Gwynedd service", coverage=[wales_areas[GWYNEDD]])
    ServiceAtLocationFactory(service=far, location__latitude=53.22, location__longitude=-4.13)
    return local, older, far


def _afresh(client) -> str:
    """The search's page rendered with nothing cached."""
    cache.clear()
    return _page(client.get(QUERY))


def test_a_change_to_a_service_the_search_does_not_weigh_keeps_its_page(client, cardiff_and_gwynedd):
    _local, _older, far = cardiff_and_gwynedd
    first = _page(_cached(client))
    before = version.current()

    WaitingTimeReport.objects.create(service=far, weeks=30, referrals_open=True)  # a provider in Bangor
    far.name = "Gwynedd service, renamed"
    far.save()
    assert version.current() != before

    with CaptureQueriesContext(connection) as queries:
        kept = _page(client.get(QUERY))
    assert not _reads_renderings(queries), "the cached page is served: no card is read"
    assert kept == first == _afresh(client)


def test_a_page_kept_across_a_change_is_then_served_without_checking_again(
    client, cardiff_and_gwynedd, django_assert_max_num_queries,
):
    _local, _older, far = cardiff_and_gwynedd
    _cached(client)
    WaitingTimeReport.objects.create(service=far, weeks=30, referrals_open=True)
    client.get(QUERY)  # checked against the index at the new version, and kept again

    with django_assert_max_num_queries(1):  # the directory version
        assert "1 service found" in _page(client.get(QUERY))


@pytest.mark.parametrize("change", ["wait", "criteria", "unpublished", "coverage", "moved near", "organisation"])
def test_a_change_to_what_the_search_weighs_shows_at_once(client, cardiff_and_gwynedd, wales_areas, change):
    local, older, far = cardiff_and_gwynedd
    _cached(client)  # "1 service found"
    if change == "wait":
        WaitingTimeReport.objects.create(service=local, weeks=17, referrals_open=True)
    elif change == "criteria":
        older.age_min = 5  # a service left out by the child's age now takes them
        older.save()
    elif change == "unpublished":
        local.is_published = False
        local.save()
    elif change == "coverage":
        far.coverage_areas.add(wales_areas[CARDIFF])  # comes into reach
    elif change == "moved near":
        location = far.service_at_locations.get().location
        location.latitude, location.longitude = 51.49, -3.17
        location.save()
    else:
        local.organisation.name = "Renamed organisation"
        local.organisation.save()

    page = _page(client.get(QUERY))

    assert page == _afresh(client)
    expected = {"wait": "17 weeks", "criteria": "Cardiff teens", "unpublished": "0 services found",
                "coverage": "Gwynedd service", "moved near": "Gwynedd service",
                "organisation": "Renamed organisation"}[change]
    assert expected in page


def test_a_change_of_unknown_reach_renders_every_page_afresh(client, cardiff_and_gwynedd, wales_areas):
    _cached(client)
    area = wales_areas[CARDIFF]
    area.name = "Cardiff (renamed)"
    area.save()  # an area: no single service's change, so a new generation

    assert "Cardiff (renamed)" in _page(client.get(QUERY))


@pytest.mark.parametrize(("prefix", "missing"), [
    ("", "None of the services found that take referrals from Cardiff supports siblings."),
    ("/cy", "Nid oes yr un o'r gwasanaethau a gafwyd sy'n derbyn atgyfeiriadau o ardal Caerdydd yn cefnogi "
            "brodyr a chwiorydd."),
])
def test_a_cached_page_says_which_person_chosen_no_local_service_supports_for_its_own_query_and_directory(
    client, wales_areas, cardiff_postcode, prefix, missing
):
    ServiceFactory(name="Cardiff child", coverage=[wales_areas[CARDIFF]], supports_child=True)
    family, child = prefix + QUERY + "&audience=child&audience=sibling", prefix + QUERY + "&audience=child"
    _cached(client, family), _cached(client, child)

    assert search_cache.load(client.get(family).wsgi_request, _generation()) is not None  # served from the cache
    assert missing in _page(client.get(family))
    assert missing not in _page(client.get(child))  # its own page, not the family search's

    ServiceFactory(name="Cardiff siblings", coverage=[wales_areas[CARDIFF]], supports_child=False,
                   supports_sibling=True)

    assert missing not in _page(client.get(family))  # a new local service for siblings shows at once
