"""The map builders, on unsaved instances: no database."""

from __future__ import annotations

import json
import re

from django.conf import settings

from directory.boundaries import la_boundaries, simplify_geometry, wales_backdrop
from directory.maps import build_coverage_map, build_search_map, search_map_groups, text
from directory.models import Location, Organisation, Service
from directory.selectors import Group, SearchCriteria, SearchResult


def _result(name: str, *locations: Location, group: Group = Group.LOCAL) -> SearchResult:
    service = Service(name=name, organisation=Organisation(name="Org"))
    return SearchResult(service, group, 2.5, list(locations), SearchCriteria())


def _url(service: Service) -> str:
    return f"/services/{service.public_id}/"


def test_it_draws_published_locations_and_never_a_do_not_publish_one():
    shown = Location(name="Office", latitude=51.481123, longitude=-3.171123)
    hidden = Location(name="Refuge", latitude=51.499987, longitude=-3.199987, do_not_publish_address=True)

    html = build_search_map(results=[_result("Seren", shown, hidden)], outline=[], service_url=_url)

    assert "51.481123" in html and "Seren" in html
    assert "51.499987" not in html and "Refuge" not in html


def test_each_groups_markers_differ_in_shape_and_say_their_group_in_words():
    """Colour is not the only difference between the groups (WCAG 1.4.1): each has its own shape
    (servicemap.css .sm-pin--<group>, as the key beside the map), and each marker's text, which a
    screen reader reads as its name, says its group. A shape is named by its group, not by the
    group's place in the list, so it means the same group whatever the order."""
    office = Location(name="Office", latitude=51.48, longitude=-3.17)
    html = build_search_map(results=[
        _result("Local one", office), _result("Wales one", office, group=Group.FALLBACK),
        _result("Near one", office, group=Group.NEARBY),
    ], outline=[], service_url=_url)

    assert "L.marker(" in html and "circleMarker" not in html
    icons = [json.loads(found) for found in re.findall(r'"html": ("(?:[^"\\]|\\.)*")', html)]
    for name, group, said in (("Local one", "local", "takes referrals from the area"),
                              ("Wales one", "all-wales", "all-Wales"), ("Near one", "nearby", "near by, not covering it")):
        assert (f'<span class="sm-pin sm-pin--{group}"></span>'
                f'<span class="govuk-visually-hidden">{name}, Office, {said}, 2.5 km away</span>') in icons
    css = (settings.BASE_DIR / "servicemap/static/css/servicemap.css").read_text()
    shapes = {g: re.search(rf"\.sm-key--{g}, \.sm-pin--{g} \{{([^}}]*)\}}", css)[1] for g in ("local", "all-wales", "nearby")}
    assert "50%" in shapes["local"] and "border-radius: 0" in shapes["all-wales"] and "rotate(45deg)" in shapes["nearby"]
    assert "rotate" not in shapes["all-wales"]


def test_where_markers_share_a_place_the_group_earlier_in_the_results_is_drawn_on_top():
    """Leaflet stacks markers by latitude alone: at one address a near-by service's diamond, added
    last, would hide the covering service's circle. Each marker's zIndexOffset follows the groups'
    order instead (each marker's options come just before its icon in the map's script)."""
    office = Location(name="Office", latitude=51.48, longitude=-3.17)
    html = build_search_map(results=[
        _result("Near one", office, group=Group.NEARBY), _result("Wales one", office, group=Group.FALLBACK),
        _result("Local one", office),
    ], outline=[], service_url=_url)

    stacking = dict(zip(re.findall(r'sm-pin--([a-z-]+)', html),
                        map(int, re.findall(r'"zIndexOffset": (\d+)', html)), strict=True))
    assert stacking["local"] > stacking["all-wales"] > stacking["nearby"]
    assert stacking["nearby"] - 0 > 10_000  # past any difference in height Leaflet adds it to


def test_it_outlines_the_childs_local_authority_and_uses_our_leaflet_not_a_cdn():
    html = build_search_map(results=[], outline=la_boundaries(["W06000015"]), service_url=_url)

    assert '"lad_code": "W06000015"' in html
    assert '<script src="/static/vendor/leaflet/leaflet.js">' in html
    assert "/static/vendor/leaflet/leaflet.css" in html
    for cdn in ("cdn.jsdelivr", "unpkg", "cdnjs", "openstreetmap", "bootstrap"):
        assert cdn not in html
    assert "user-scalable=no" not in html and "<html" not in html  # a fragment for our own page


def test_provider_text_cannot_break_out_of_the_map_script():
    nasty = "</script><script>alert(1)</script>`${alert(2)}`\\"
    html = build_search_map(results=[_result(nasty, Location(name=nasty, latitude=51.5, longitude=-3.2))],
                            outline=[], service_url=_url)

    assert "<script>alert(1)" not in html
    assert "${alert(2)}" not in html
    assert "`${" not in text(nasty)


def test_the_coverage_map_fills_covered_areas_and_marks_published_bases():
    service = Service(name="Seren")
    html = build_coverage_map(
        service=service, areas=la_boundaries(["W06000014", "W06000015"]),
        locations=[Location(name="Base", latitude=51.481123, longitude=-3.171123),
                   Location(name="Hidden", latitude=51.499987, longitude=-3.199987, do_not_publish_address=True)],
    )

    assert '"lad_code": "W06000014"' in html and '"lad_code": "W06000015"' in html
    assert "51.481123" in html and "51.499987" not in html


def test_with_no_tiles_and_no_points_it_still_frames_wales():
    html = build_coverage_map(service=Service(name="x"), areas=[], locations=[], backdrop=wales_backdrop())

    assert "fitBounds" in html
    assert html.count('"lad_code"') == 22


def test_simplifying_makes_a_multipolygon_of_closed_rings_at_their_corners():
    square = [[0, 0], [0, 0.5], [0, 1], [0.00001, 1.5], [0, 2], [2, 2], [2, 0], [0, 0]]
    simplified = simplify_geometry({"type": "Polygon", "coordinates": [square]}, 0.01)

    assert simplified == {"type": "MultiPolygon", "coordinates": [[[[0, 0], [0, 2], [2, 2], [2, 0], [0, 0]]]]}


def test_area_names_on_the_maps_are_in_the_pages_language():
    from django.utils import translation

    with translation.override("cy"):
        welsh = build_coverage_map(service=Service(name="x"), areas=la_boundaries(["W06000001"]), locations=[])
    english = build_coverage_map(service=Service(name="x"), areas=la_boundaries(["W06000001"]), locations=[])

    assert "Ynys M\\u00f4n" in welsh or "Ynys Môn" in welsh
    assert "Isle of Anglesey" in english


def test_the_search_map_lists_its_places_by_group_in_words_for_a_page_without_javascript():
    """Without JavaScript the map cannot draw: the fragment also lists every place it draws, under its
    group, each linking its service, so the map view is still of use (and never a withheld address)."""
    office = Location(name="Office", latitude=51.48, longitude=-3.17)
    refuge = Location(name="Refuge", latitude=51.49, longitude=-3.19, do_not_publish_address=True)
    local, near = _result("Local one", office, refuge), _result("Near one", office, group=Group.NEARBY)
    only_withheld = _result("Withheld one", refuge)

    html = build_search_map(results=[local, near, only_withheld], outline=[], service_url=_url)

    places = html[html.index('<div class="sm-map-places">'):]
    assert "Places on the map" in places
    assert places.index("Takes referrals from the area") < places.index("Local one") < places.index(
        "Near by, not covering it") < places.index("Near one")
    assert f'<a class="govuk-link" href="/services/{local.service.public_id}/">Local one</a> – Office, 2.5 km away' in places
    assert "Refuge" not in places and "Withheld one" not in places and "All-Wales" not in places


def test_outside_wales_the_search_maps_services_for_anywhere_are_national_as_its_key_says():
    # The key beside the map said "national" for an English authority, its list and markers "all-Wales".
    office = Location(name="Office", latitude=52.48, longitude=-1.9)
    anywhere = _result("Helpline", office, group=Group.FALLBACK)

    england = build_search_map(results=[anywhere], outline=[], service_url=_url, in_wales=False)
    wales = build_search_map(results=[anywhere], outline=[], service_url=_url)

    assert "National</h4>" in england and "Office, national, 2.5 km away" in england  # list; marker
    assert "All-Wales" not in england and "all-Wales" not in england  # (its colour class is sm-pin--all-wales)
    assert "All-Wales</h4>" in wales and "Office, all-Wales, 2.5 km away" in wales


def test_a_link_before_the_search_map_skips_its_markers_to_the_list_of_its_places():
    """Each marker is a tab stop: a city's search put 25 of them between the sort links and the list
    of places. The link comes before the map and leads to that list's heading, which takes the focus;
    with nothing listed (no published address) there is nothing to skip, and no link."""
    office = Location(name="Office", latitude=51.48, longitude=-3.17)
    refuge = Location(name="Refuge", latitude=51.49, longitude=-3.19, do_not_publish_address=True)

    html = build_search_map(results=[_result("Local one", office)], outline=[], service_url=_url)

    link = html.index('<a class="govuk-link" href="#map-places">Skip to the places on the map</a>')
    assert link < html.index('class="sm-map"') < html.index(
        '<h3 class="govuk-heading-s" id="map-places" tabindex="-1">Places on the map</h3>')
    assert html.count('id="map-places"') == 1
    withheld = build_search_map(results=[_result("Withheld one", refuge)], outline=[], service_url=_url)
    assert "map-places" not in withheld and "Skip to" not in withheld


def test_a_welsh_page_marks_an_english_name_in_the_list_of_places_on_the_marker_and_in_its_popup():
    from directory.selectors import MapLocation, MapService

    service = MapService(public_id="5fb11c42-da61-5786-927f-802d038929d2", name="Seren", name_lang="en")
    result = SearchResult(service, Group.LOCAL, None, [MapLocation("Swyddfa", 51.48, -3.17)], SearchCriteria())

    html = build_search_map(results=[result], outline=[], service_url=_url)

    assert 'href="/services/5fb11c42-da61-5786-927f-802d038929d2/" lang="en">Seren</a> – Swyddfa</li>' in html
    # The marker's words for a screen reader, and its popup's link, too (both written into the script).
    script = html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    assert '<span class="govuk-visually-hidden"><span lang="en">Seren</span>, Swyddfa, ' in script
    assert '<a href="/services/5fb11c42-da61-5786-927f-802d038929d2/"><span lang="en">Seren</span></a>' in script


def test_popups_are_bound_by_leaflet_with_no_jquery():
    """folium's popups parse their HTML with jQuery (88 kB, 30 kB compressed, blocking); Leaflet's
    bindPopup takes the HTML as a string, escaped for the script by tojson."""
    office = Location(name="Office", latitude=51.48, longitude=-3.17)
    with_popups = build_search_map(results=[_result("Seren</script>", office)], outline=[], service_url=_url)

    assert "jquery" not in with_popups.lower() and "$(" not in with_popups
    [popup] = re.findall(r"\.bindPopup\((\"(?:[^\"\\]|\\.)*\"), (\{.*?\})\);", with_popups)
    assert json.loads(popup[0]).startswith('<a href="/services/') and "Seren&lt;/script&gt;</a><br>Office" in json.loads(popup[0])
    assert json.loads(popup[1]) == {"maxWidth": 260}
    assert '<script src="/static/vendor/leaflet/leaflet.js">' in with_popups


# branca renders each element's script, then renders what it wrote again as a Jinja template: a
# provider's `{{ … }}` was evaluated on the server (with the `os` module in reach) and a stray `{%`
# made every search map that drew it a 500.
TEMPLATE_SYNTAX = ["{{ 7*7 }}", "{{ cycler.__init__.__globals__.os.getpid() }}", "{% if 1 %}yes{% endif %}",
                   "{{ 'unclosed", "{# comment #}"]


def _literal(value: str) -> str:
    return value.replace("{", "&#123;").replace("}", "&#125;").replace("'", "&#x27;")


def test_provider_text_on_the_search_map_is_never_run_as_a_template():
    for nasty in TEMPLATE_SYNTAX:
        location = Location(name=f"Base {nasty}", latitude=51.5, longitude=-3.2)
        html = build_search_map(results=[_result(f"Seren {nasty}", location)], outline=[], service_url=_url)

        script = html[html.index("<script>"):]  # the tooltip, popup and marker text, not the list beneath
        script = script.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")  # as tojson wrote them
        assert script.count(f"Seren {_literal(nasty)}") >= 3, nasty  # tooltip, popup, the marker's spoken name
        assert f"Base {_literal(nasty)}" in script, nasty
        assert "Seren 49" not in script and "Seren yes" not in script, nasty


def test_provider_text_on_the_coverage_map_is_never_run_as_a_template():
    for nasty in TEMPLATE_SYNTAX:
        html = build_coverage_map(service=Service(name="Seren"), areas=[],
                                  locations=[Location(name=f"Base {nasty}", latitude=51.5, longitude=-3.2)])

        assert f"Base {_literal(nasty)}" in html, nasty


def test_both_maps_open_on_their_fitted_view_at_once_and_load_the_reduced_motion_script():
    """An animated fit ran on after the page had loaded (tests/browser/test_map_motion.py watches it)."""
    search = build_search_map(results=[], outline=la_boundaries(["W06000023"]), service_url=str)
    coverage = build_coverage_map(service=Service(name="x"), areas=[], locations=[])

    for html in (search, coverage):
        fit = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\]),\s*(\{.*?\})\s*\)", html, re.S)
        assert fit and json.loads(fit[2])["animate"] is False
        assert html.index("vendor/leaflet/leaflet.js") < html.index("js/map-motion.js") < html.index("L.map(")


def test_the_search_maps_groups_are_those_it_draws_a_marker_of_in_the_results_order():
    # The key beside the map named all three groups whatever it drew. A service whose only place is
    # withheld draws no marker, so its group is not one the map shows.
    office = Location(name="Office", latitude=51.48, longitude=-3.17)
    refuge = Location(name="Refuge", latitude=51.49, longitude=-3.19, do_not_publish_address=True)
    near, local = _result("Near one", office, group=Group.NEARBY), _result("Local one", office)
    withheld = _result("Withheld one", refuge, group=Group.FALLBACK)

    assert search_map_groups([near, withheld, local]) == [Group.LOCAL, Group.NEARBY]
    assert search_map_groups([withheld]) == []
    assert search_map_groups([]) == []


def test_a_welsh_page_names_a_location_in_welsh_on_both_maps_and_marks_an_english_one():
    from django.utils import translation

    from directory.selectors import MapLocation, MapService

    service = MapService(public_id="5fb11c42-da61-5786-927f-802d038929d2", name="Seren")
    places = [MapLocation("Family centre", 51.48, -3.17, name_cy="Canolfan deulu"), MapLocation("Office", 51.5, -3.2)]
    result = SearchResult(service, Group.LOCAL, None, places, SearchCriteria())
    locations = [Location(name="Family centre", name_cy="Canolfan deulu", latitude=51.48, longitude=-3.17)]

    with translation.override("cy"):
        welsh = build_search_map(results=[result], outline=[], service_url=_url)
        coverage = build_coverage_map(service=Service(name="Seren"), areas=[], locations=locations)
    english = build_search_map(results=[result], outline=[], service_url=_url)

    assert '>Seren</a> – Canolfan deulu; <span lang="en">Office</span></li>' in welsh
    script = welsh.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    assert "<br>Canolfan deulu" in script and '<br><span lang="en">Office</span>' in script  # the popups
    assert "Canolfan deulu" in coverage and "Family centre" not in coverage  # the base's tooltip
    assert ">Seren</a> – Family centre; Office</li>" in english and "Canolfan" not in english
