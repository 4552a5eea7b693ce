"""A search's results block, built in Python (directory/results_html.py), must match
templates/directory/includes/search_results.html (with results.html, exclusions.html and
search_form.html) byte for byte, over many states, in English and Welsh: list and map, every sort,
first, middle and last pages, empty results with and without exclusions, outside Wales, distances
from a postcode or the area's centre."""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from directory import results_html
from directory.forms import Place, SearchForm
from directory.search_cache import Holes
from directory.selectors import PAGE_SIZE, SORTS, AudienceGap, Exclusion, Group, SearchArea, SearchOutcome
from tests.factories import AreaFactory

CARD = {name: mark_safe(f"<!--{name}-->") for name in ("head", "ages", "rows", "delivery", "tail")}
# Results per group (local, all-Wales, near by: Group's order); the last ones run to many pages (ellipses).
COUNTS = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (3, 2, 1), (25, 0, 30), (1, 19, 2), (150, 40, 31), (0, 61, 99)]
EXCLUSIONS = [
    [],
    [Exclusion("age", "The child's <age> & more", 1, 0)],
    [Exclusion("abuse_forms", "Does not work with the forms of abuse chosen", 7, 1),
     Exclusion("delivery", "Does not offer the ways of delivery chosen", 3, 1),
     Exclusion("welsh", "No support in Welsh", 2, 2)],
    [Exclusion("wait", "Wait longer than you can accept, or not taking referrals", 12, 0)],
    [Exclusion("wait", "Wait longer than you can accept, or not taking referrals", 12, 4)],
]
AREAS = [
    SearchArea("W06000016", "Rhondda Cynon Taf & <Merthyr>", in_wales=True, known=True),
    SearchArea("E06000001", "Hartlepool", in_wales=False, known=False),
    SearchArea("W06000015", "Cardiff", in_wales=True, known=True),
]
PLACES = [Place("W06000016", (51.6, -3.4), "CF40 1AA", False), Place("W06000016", (51.6, -3.4), "", True),
          Place("W06000016", (51.6, -3.4), "", True, unknown_postcode="ZZ9 <9&>"),
          Place("W06000016", None, "<b>&", False),
          Place("E06000001", (52.1, -3.1), "HR3", False, split_share=0.524, split_other="Powys & <Môn>",
                split_other_code="W06000023"),
          Place("W06000016", (51.6, -3.4), "LL57 2EW", False, postcode_elsewhere="Gwynedd & <Môn>"),
          Place("W06000016", (51.6, -3.4), "SA4", False, split_share=0.921),
          Place("W06000016", (51.6, -3.4), "CF40 <1>&", False, cut=True)]
QUERIES = [
    "postcode=CF40+1AA&age=9&abuse_form=cse&abuse_form=online&audience=child",
    "la=W06000016&sort=wait&page=2",
    "page=abc&view=map&sort=distance&postcode=CF40",
    "postcode=%E2%9C%93+%26+%3C&audience=child&audience=sibling&x=&view=list",
    "sort=best&age=12.5&page=3&max_wait=4&referrer=self",
]
# The people chosen whom no local result supports, and the group that holds one who does (None: none).
AUDIENCE_GAPS = [(), (AudienceGap("sibling"),),
                 (AudienceGap("child", Group.FALLBACK), AudienceGap("parent_carer", Group.NEARBY), AudienceGap("sibling"))]
PAGES = ["1", "2", "last", "middle"]
NOTICES = ["", "There is no page “<b>”; showing the first page."]
MAPS = [("", 0), (mark_safe('<div id="map">a map &amp; <script>go()</script></div>'), 1),
        (mark_safe("<div>map</div>"), 17)]
# The groups the map draws a marker of: its key names these alone.
MAP_GROUPS = [list(Group), [Group.LOCAL], [], [Group.FALLBACK, Group.NEARBY], [Group.NEARBY]]


def _results(counts: tuple[int, int, int]) -> list[SimpleNamespace]:
    results = []
    for group, count in zip(Group, counts, strict=True):
        for _ in range(count):
            n = len(results)
            service = SimpleNamespace(public_id=uuid.UUID(int=n), name=f"Service <{n}> & co",
                                      kind_helpline=n % 3 == 0, lists_an_area=n % 2 == 0)
            results.append(SimpleNamespace(
                service=service, card=CARD, group=group, is_local=group == Group.LOCAL,
                is_nearby=group == Group.NEARBY, is_fallback=group == Group.FALLBACK,
                distance_km=None if n % 4 == 0 else n * 1.37, locations=[(0.0, 0.0)] * (n % 3),
                abuse_form_tags=[("Child sexual exploitation", n % 2 == 0)], audience_tags=[],
            ))
    return results


def _page_number(which: str, num_pages: int) -> int:
    return {"1": 1, "2": 2, "last": num_pages, "middle": num_pages // 2 + 1}[which]


def _states():
    """Each dimension cycles at its own length (or a multiple), so the states mix them."""
    for n in range(72):
        counts = COUNTS[n % len(COUNTS)]
        exclusions = EXCLUSIONS[n % len(EXCLUSIONS)]
        outcome = SearchOutcome(AREAS[n // 2 % len(AREAS)], _results(counts), exclusions, considered=1 + n % 2 * 40,
                                audience_gaps=AUDIENCE_GAPS[n % len(AUDIENCE_GAPS)])
        request = RequestFactory().get("/search/?" + QUERIES[n % len(QUERIES)])
        form = SearchForm(request.GET)
        form.is_valid()  # invalid here (no such postcodes): the results block still shows the form as it is
        form.place = PLACES[n % len(PLACES)]
        paginator = Paginator(outcome.results, PAGE_SIZE)
        page = paginator.get_page(_page_number(PAGES[n % len(PAGES)], paginator.num_pages))
        map_html, mapped_count = MAPS[n % len(MAPS)]
        yield request, {
            "form": form, "outcome": outcome, "page": page, "page_notice": NOTICES[n // 3 % len(NOTICES)],
            "view": ("list", "map")[n // 2 % 2], "directory_version": "v1",
            "map_html": map_html, "mapped_count": mapped_count, "mapped_groups": MAP_GROUPS[n % len(MAP_GROUPS)],
        }


@pytest.fixture
def _areas(db):
    AreaFactory(code="W06000016", name="Rhondda Cynon Taf & <Merthyr>", name_cy="")
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_results_block_matches_the_template(language):
    with translation.override(language):
        for request, state in _states():
            expected_holes, holes = Holes(token="t" * 32), Holes(token="t" * 32)
            expected = results_html.render_template(request, holes=expected_holes, **state)
            assert results_html.search_results_html(request, holes=holes, **state) == expected
            assert holes.pieces == expected_holes.pieces  # the same shortlist buttons and map, in order


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_language_looks_up_each_plural_text_once_and_keeps_its_plural_forms(language, monkeypatch):
    asked = []
    ngettext = results_html.ngettext
    monkeypatch.setattr(results_html, "ngettext", lambda *args: asked.append(args) or ngettext(*args))
    results_html._strings.cache_clear()
    with translation.override(language):
        pages = [[results_html.search_results_html(request, holes=Holes(token="t" * 32), **state)
                  for request, state in _states()] for _ in range(2)]
        strings = results_html._strings(language)
        counted = [strings.plural("%(counter)s service found", "%(counter)s services found", n) for n in range(12)]

    assert pages[0] == pages[1] and asked
    assert len(asked) == len(set(asked)), "each text and count is asked of Django once"
    with translation.override(language):
        assert counted == [ngettext("%(counter)s service found", "%(counter)s services found", n) for n in range(12)]
    assert len(set(counted)) == 2  # Welsh: "wasanaeth" after 1 ("Cafwyd 1 wasanaeth"), "gwasanaeth" after others


@pytest.mark.usefixtures("_areas")
def test_the_states_cover_every_branch():
    rendered = "".join(results_html.search_results_html(request, holes=Holes(), **state) for request, state in _states())
    for expected in (
        "No services found", "No service meets all your criteria", "Why other services are not shown",
        "(1 would match without this criterion)", ">Search without asking for Welsh</a>",
        ">Search with any way of giving support</a>", ">Search with any wait</a>", "This postcode is outside Wales", "Distances from CF40 1AA",
        "Part of HR3 is in Powys &amp; &lt;Môn&gt;.", "la=W06000023\">Search for a child in Powys &amp; &lt;Môn&gt; instead",
        "Hartlepool is outside Wales.", "We could not find the postcode ZZ9 &lt;9&amp;&gt;: distances are from the centre", "Part of SA4 is in another local authority.",
        "We searched from CF40 &lt;1&gt;&amp;, the first part of the postcode, so the child's full postcode is not "
        "kept in the page address. Distances are from the centre of CF40 &lt;1&gt;&amp;, in a straight line.",
        "Distances are from the centre", 'id="group-local"', "(continued)\n    </h2>", 'id="group-all-wales"', 'id="group-nearby"', 'sm-key--all-wales',
        "No local service takes referrals from Rhondda", "sm-map-note", "</span> near by, not covering it</li>\n",
        # Outside Wales: no "0 all-Wales services" clause; what the group holds, named as national.
        "national services and helplines</a>", "National services and helplines", "</span> national</li>\n",
        "are near by or work nationally. Left out by your criteria:",
        "None of the services found that take referrals from Rhondda Cynon Taf &amp; &lt;Merthyr&gt; supports siblings. "
        "Try a local authority next door, or ask your safeguarding board.</p>",
        "supports the child or young person. <a", "See the all-Wales services and helplines that do</a>",
        "#group-all-wales\">See the national services and helplines that do</a>",
        "supports non-abusing parents and carers. <a", "#group-nearby\">See the services near by that do</a>",
        "govuk-pagination__item--ellipses", 'rel="prev"', 'rel="next"', 'role="status"',
        'aria-current="true">Best match', 'aria-current="true">Shortest wait', 'aria-current="true">Nearest',
        '<a class="govuk-link" href="?postcode=CF40+1AA&amp;age=9&amp;abuse_form=cse&amp;abuse_form=online'
        '&amp;audience=child&amp;view=map">Map</a>',  # a new key joins the end
    ):
        assert expected in rendered, expected
    assert re.search(r'Hartlepool</li>\n  <li>(<a [^>]*#group-nearby">)?\d+ near by', rendered)


@pytest.mark.parametrize("query", ["", "a=1", "a=1&b=2&a=3", "page=2&view=map", "x=%E2%9C%93&y=&z=%26%3C%22'", "page="])
@pytest.mark.parametrize("changes", [{}, {"page": 3}, {"view": None, "page": None}, {"view": "map", "page": None},
                                     {"sort": "wait", "a": None}, {"a": "<&>", "new": 1}])
def test_query_links_are_the_querystring_tag(query, changes):
    request = RequestFactory().get("/search/?" + query)
    arguments = " ".join(f"{key}=changes.{key}" for key in changes)
    # The tag's own code, given the request's query (as it takes it without one).
    tag = Template("{% querystring query " + arguments + " %}")
    expected = tag.render(Context({"query": request.GET, "changes": changes}))
    assert results_html.QueryLinks(request.GET).link(**changes) == expected


def _headings(html: str) -> list[str]:
    return [" ".join(h.split()) for h in re.findall(r'<h2 class="govuk-heading-m sm-group-heading"[^>]*>(.*?)</h2>', html, re.S)]


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_group_that_runs_on_from_the_previous_page_says_continued(language):
    # 25 local, 15 all-Wales, 30 near by: page 2 opens inside the local group and starts the all-Wales
    # one; page 3 opens on the near-by group's first result; page 4 opens inside it. The heading
    # repeated on page 2 read as a second group of the same name.
    outcome = SearchOutcome(AREAS[2], _results((25, 15, 30)), [], considered=70)
    paginator = Paginator(outcome.results, PAGE_SIZE)
    request = RequestFactory().get("/search/?la=W06000015")
    form = SearchForm(request.GET)
    form.is_valid()
    form.place = PLACES[1]
    headings = {}
    with translation.override(language):
        for number in (1, 2, 3, 4):
            html = results_html.search_results_html(
                request, form=form, outcome=outcome, page=paginator.page(number), page_notice="", view="list",
                holes=Holes(), directory_version="v1")
            headings[number] = _headings(html)
    if language == "en":
        assert headings == {
            1: ["Services that take referrals from Cardiff"],
            2: ["Services that take referrals from Cardiff (continued)", "All-Wales services and helplines"],
            3: ["Near by, but not taking referrals from Cardiff"],
            4: ["Near by, but not taking referrals from Cardiff (continued)"],
        }
    else:
        assert headings[2][0].endswith(" (parhad)") and not headings[2][1].endswith(" (parhad)")
        assert headings[4][0].endswith(" (parhad)") and not headings[3][0].endswith(" (parhad)")


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize("render", [results_html.search_results_html, results_html.render_template])
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_sort_choices_are_a_list_the_current_one_marked_with_no_separator_written_between(render, language):
    # " · " written between the links was a line's last character on a phone, or a line of its own at
    # 320 px with 200% text; the stylesheet draws it after each item now, inside it (servicemap.css).
    outcome = SearchOutcome(AREAS[2], _results((3, 0, 0)), [], considered=3)
    request = RequestFactory().get("/search/?la=W06000015&sort=wait")
    form = SearchForm(request.GET)
    form.is_valid()
    form.place = PLACES[1]
    with translation.override(language):
        html = render(request, form=form, outcome=outcome, page=Paginator(outcome.results, PAGE_SIZE).page(1),
                      page_notice="", view="list", holes=Holes(), directory_version="v1")
        labels = [str(conditional_escape(label)) for _value, label in SORTS]
    nav = re.search(r'<nav class="sm-sort govuk-body-s"[^>]*>(.*?)</nav>', html, re.S)[1]
    items = re.findall(r'<li class="sm-sort__item">(.*?)</li>', nav)
    assert re.search(r'<ul class="sm-sort__list">(<li class="sm-sort__item">.*?</li>){3}</ul>', nav)
    assert [re.sub("<[^>]+>", "", item) for item in items] == labels
    assert items[1] == f'<strong aria-current="true">{labels[1]}</strong>'  # the current sort, not a link
    assert all(item.startswith('<a class="govuk-link" href="?la=W06000015&amp;sort=') for item in (items[0], items[2]))
    assert "·" not in nav


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize("results", [0, 3])
def test_a_preference_that_alone_left_services_out_links_to_the_search_without_it(results):
    # The empty state said "2 would match without this criterion" and left the searcher to find the
    # field in the form. Only for the searcher's preferences: a search without a fact about the child
    # (or who is referring) would list services that cannot help that child.
    codes = ["status", "age", "abuse_forms", "audiences", "disclosure", "proceedings", "delivery", "welsh", "wait",
             "referrer"]
    exclusions = [Exclusion(code, f"label {code}", 3, 2) for code in codes] + [
        Exclusion("welsh", "no one left out by this alone", 3, 0)]
    outcome = SearchOutcome(AREAS[2], _results((results, 0, 0)), exclusions, considered=40)
    query = ("la=W06000015&age=9&abuse_form=cse&audience=child&no_disclosure=on&proceedings_ongoing=on"
             "&delivery=phone&delivery=online&welsh=on&max_wait=4&referrer=self&sort=wait&page=2")
    request = RequestFactory().get("/search/?" + query)
    form = SearchForm(request.GET)
    form.is_valid()
    form.place = PLACES[1]
    html = results_html.search_results_html(
        request, form=form, outcome=outcome, page=Paginator(outcome.results, PAGE_SIZE).get_page(1), page_notice="",
        view="list", holes=Holes(), directory_version="v1")
    items = re.findall(r'<li data-criterion="(\w+)">(.*?)</li>', html)
    links = {code: re.findall(r'<a class="govuk-link" href="([^"]*)">([^<]*)</a>', item) for code, item in items[:-1]}
    without = "la=W06000015&amp;age=9&amp;abuse_form=cse&amp;audience=child&amp;no_disclosure=on&amp;proceedings_ongoing=on"
    assert links["welsh"] == [(f"?{without}&amp;delivery=phone&amp;delivery=online&amp;max_wait=4&amp;referrer=self"
                               "&amp;sort=wait", "Search without asking for Welsh")]
    assert links["delivery"] == [(f"?{without}&amp;welsh=on&amp;max_wait=4&amp;referrer=self&amp;sort=wait",
                                  "Search with any way of giving support")]
    assert links["wait"] == [(f"?{without}&amp;delivery=phone&amp;delivery=online&amp;welsh=on&amp;referrer=self"
                              "&amp;sort=wait", "Search with any wait")]
    for code in ("status", "age", "abuse_forms", "audiences", "disclosure", "proceedings", "referrer"):
        assert links[code] == [], code
    assert items[-1][0] == "welsh" and "<a " not in items[-1][1]  # relaxing it alone would show nothing


def _map_views(outcome: SearchOutcome, mapped_count: int, mapped_groups=None):
    """The map view of `outcome` in English, then Welsh, as (language, html), each checked to be what
    results.html renders (the map's note and key are written twice: in Python and in the template)."""
    request = RequestFactory().get("/search/?la=W06000015&view=map")
    form = SearchForm(request.GET)
    form.is_valid()
    form.place = PLACES[1]
    page = Paginator(outcome.results, PAGE_SIZE).page(1)
    state = {"form": form, "outcome": outcome, "page": page, "page_notice": "", "view": "map",
             "directory_version": "v1", "map_html": mark_safe("<div>map</div>"), "mapped_count": mapped_count}
    if mapped_groups is not None:
        state["mapped_groups"] = mapped_groups
    for language in ("en", "cy"):
        with translation.override(language):
            html = results_html.search_results_html(request, holes=Holes(token="t" * 32), **state)
            assert html == results_html.render_template(request, holes=Holes(token="t" * 32), **state)
        yield language, html


def _map_note(html: str) -> str:
    return re.search(r'<div class="sm-map-note">\n    <p class="govuk-body-s govuk-!-margin-bottom-1">([^<]*)</p>\n',
                     html).group(1)


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize(("counts", "mapped", "english", "welsh"), [
    ((3, 1, 1), 5, "The map shows all 5 services found. Cardiff is outlined.",
     "Mae'r map yn dangos pob un o'r 5 gwasanaeth a gafwyd. Mae amlinell o amgylch Cardiff."),
    ((0, 0, 2), 2, "The map shows all 2 services found. Cardiff is outlined.",
     "Mae'r map yn dangos y ddau wasanaeth a gafwyd. Mae amlinell o amgylch Cardiff."),
    ((1, 0, 0), 1, "The map shows the one service found. Cardiff is outlined.",
     "Mae'r map yn dangos yr unig wasanaeth a gafwyd. Mae amlinell o amgylch Cardiff."),
    # One left off is "the other", not "the others" (it was counted on those shown).
    ((3, 1, 1), 4, "The map shows 4 of the 5 services: the other has no published address. Cardiff is outlined.",
     "Mae'r map yn dangos 4 o'r 5 gwasanaeth: nid oes gan y llall gyfeiriad wedi'i gyhoeddi. "
     "Mae amlinell o amgylch Cardiff."),
    ((3, 1, 1), 3, "The map shows 3 of the 5 services: the others have no published address. Cardiff is outlined.",
     "Mae'r map yn dangos 3 o'r 5 gwasanaeth: nid oes gan y lleill gyfeiriad wedi'i gyhoeddi. "
     "Mae amlinell o amgylch Cardiff."),
    # None on the map: it said "0 of the 5 services: the others have no published address".
    ((3, 1, 1), 0, "None of the 5 services found has a published address, so the map shows none. Cardiff is outlined.",
     "Nid oes gan yr un o'r 5 gwasanaeth a gafwyd gyfeiriad wedi'i gyhoeddi, felly nid yw'r map yn dangos yr un. "
     "Mae amlinell o amgylch Cardiff."),
    ((1, 0, 0), 0, "The service found has no published address, so the map shows none. Cardiff is outlined.",
     "Nid oes gan y gwasanaeth a gafwyd gyfeiriad wedi'i gyhoeddi, felly nid yw'r map yn ei ddangos. "
     "Mae amlinell o amgylch Cardiff."),
])
def test_the_map_note_speaks_of_services_left_off_the_map_only_when_there_are_some(counts, mapped, english, welsh):
    # With every result on the map it said "5 of the 5 services: the others have no published address".
    outcome = SearchOutcome(AREAS[2], _results(counts), [], considered=5)
    for language, html in _map_views(outcome, mapped):
        assert _map_note(html) == {"en": english, "cy": welsh}[language]


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize(("area", "words"), [
    (AREAS[2], ["takes referrals from the area", "all-Wales", "near by, not covering it"]),
    (AREAS[1], ["takes referrals from the area", "national", "near by, not covering it"]),
])
def test_the_map_key_is_a_named_list_of_its_words_before_the_map(area, words):
    """The note ran on into the key in one paragraph, its swatches empty spans: a screen reader
    read "… is outlined. takes referrals from the area all-Wales near by, not covering it". The
    note is its own paragraph; the key a list named by its "Key" label, each swatch hidden and its
    words the item's text; both come before the map (its hole), in English and Welsh."""
    outcome = SearchOutcome(area, _results((1, 1, 1)), [], considered=3)
    for language, html in _map_views(outcome, 3, list(Group)):
        key = re.search(r'<p class="[^"]*" id="map-key">([^<]+)</p>\n    <ul class="govuk-list govuk-body-s '
                        r'sm-map-key" aria-labelledby="map-key">\n(.*?)    </ul>', html, re.DOTALL)
        items = re.findall(r'      <li><span class="sm-key sm-key--[a-z-]+" aria-hidden="true"></span> '
                           r"([^<]+)</li>\n", key[2])
        with translation.override(language):
            assert key[1] == translation.gettext("Key")
            assert items == [translation.gettext(word) for word in words]
        note = _map_note(html)
        assert note.endswith(".") and not any(item in note for item in items)
        assert html.index(note) < key.start() < html.index(f"<!--hole:{'t' * 32}:")


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize(("mapped_groups", "words"), [
    ([Group.LOCAL], ["takes referrals from the area"]),
    ([Group.LOCAL, Group.NEARBY], ["takes referrals from the area", "near by, not covering it"]),
    ([Group.FALLBACK], ["all-Wales"]),
    ([], []),
])
def test_the_map_key_names_only_the_groups_the_map_draws(mapped_groups, words):
    # It named all three groups whatever the map drew: a map of local services alone had a key
    # with "all-Wales" and "near by, not covering it" swatches that matched no marker on it.
    outcome = SearchOutcome(AREAS[2], _results((1, 1, 1)), [], considered=3)
    for language, html in _map_views(outcome, len(mapped_groups), mapped_groups):
        items = re.findall(r'<li><span class="sm-key sm-key--[a-z-]+" aria-hidden="true"></span> ([^<]+)</li>',
                           html)
        with translation.override(language):
            assert items == [translation.gettext(word) for word in words]
        # A map with no marker has no key at all, not a "Key" heading over an empty list.
        assert ('id="map-key"' in html) == bool(words)
        assert html.count('class="sm-map-note"') == 1
