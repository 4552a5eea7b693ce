"""A search's results and the form beside them, as HTML: what templates/directory/includes/
search_results.html (with results.html and exclusions.html) renders, byte for byte.

With the result cards built in Python (result_card.py) and their service parts stored
(result_cards.py), the template around them was most of a first-time search's rendering: about
3 ms of headings, counts, exclusions, sort and view links, group headings and page links, most of
it in `{% translate %}` and `{% querystring %}` tags and in resolving variables. Here the fixed
strings are looked up once per language (`_strings`), the links are built from the query string
encoded once (`QueryLinks`) and the block is a few strings. The templates stay as the readable
definition: tests/directory/test_results_html.py holds the two to the same output over many
states, in English and Welsh.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Collection, Sequence
from urllib.parse import quote_plus

from django.conf import settings
from django.core.paginator import Page
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.translation import get_language, gettext, ngettext

from directory import pagination, result_card, selectors
from directory.forms import SearchForm
from directory.search_cache import Holes
from directory.search_form_html import search_form_html

TEMPLATE = "directory/includes/search_results.html"


def _number(value: object) -> str:
    """A number as `{{ value }}` renders it (localised, then escaped). An int is its digits
    unless thousands are separated (Django's own shortcut): a page shows a dozen."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return conditional_escape(localize(value))


class QueryLinks:
    """Links to this query with some parameters changed, as `{% querystring %}` writes them
    (escaped for an attribute); each parameter of the query is encoded once, not once per link."""

    def __init__(self, query: QueryDict) -> None:
        self.query = query
        self.encoding = query.encoding
        self.encoded = {key: [self._pair(key, value) for value in values] for key, values in query.lists()}

    def _pair(self, key: str, value: object) -> str:
        # `urlencode({key: value})` of the encoded pair, without its dict and type checks: one pair,
        # each side with `quote_plus` (as urlencode's default `quote_via`) of its bytes.
        return f"{quote_plus(key.encode(self.encoding))}={quote_plus(str(value).encode(self.encoding))}"

    def link(self, **changes: object) -> str:
        """`{% querystring key=value ... %}`: a value replaces the key's values, where it was
        (new keys go last); None removes the key."""
        encoded = dict(self.encoded)
        for key, value in changes.items():
            if value is None:
                encoded.pop(key, None)
            else:
                encoded[key] = [self._pair(key, value)]
        if not encoded and not self.query:
            return ""
        # Escaped as `conditional_escape` escapes a str (html.escape), without its wrappers.
        return html.escape("?" + "&".join(pair for pairs in encoded.values() for pair in pairs))


# A language's plural texts kept, at most this many (a page's counts: a few hundred in use).
MAX_PLURALS = 4096


class _Strings:
    """The block's fixed translated strings (and messages with a placeholder), for one language."""

    def __init__(self) -> None:
        self._plurals: dict[tuple[str, str, int], str] = {}
        # Translations come from our catalogue and are not escaped, as the template's own literals.
        self.change = gettext("Change the search")
        self.for_child = gettext("For a child in <strong>%(area)s</strong>.")
        self.from_centre = gettext(
            "Distances are from the centre of the local authority: add a postcode for distances from home.")
        self.unknown_postcode = gettext(
            "We could not find the postcode %(postcode)s: distances are from the centre of the local authority.")
        self.from_postcode = gettext("Distances from %(postcode)s, in a straight line.")
        self.cut_postcode = gettext(
            "We searched from %(postcode)s, the first part of the postcode, so the child's full postcode is not kept "
            "in the page address. Distances are from the centre of %(postcode)s, in a straight line.")
        self.warning = gettext("Warning")
        self.outside_wales = gettext(
            "This postcode is outside Wales. servicemap lists services in Wales: those near by are shown, but they "
            "may not take referrals from where the child lives.")
        self.why_not_shown = gettext("Why other services are not shown")
        self.none_meets = gettext("No service meets all your criteria")
        self.none_meets_advice = gettext(
            "A service left out by one criterion alone may still be able to help: ask it. Or ask your safeguarding "
            "board what support there is.")
        self.none_found = gettext("No services found")
        self.none_found_text = gettext(
            "servicemap lists no service that takes referrals from %(area)s or is based near by, and no all-Wales "
            "service or helpline. Try a local authority next door, or ask your safeguarding board.")
        self.none_found_outside_wales = gettext(
            "servicemap lists services in Wales, and none that meets your criteria is based near %(area)s. Look in "
            "the directory of the council where the child lives, or ask its safeguarding partnership.")
        self.postcode_elsewhere = gettext(
            "%(postcode)s is in %(elsewhere)s, not %(area)s. These results are for a child in %(area)s, the local "
            "authority chosen.")
        self.search_elsewhere = gettext("Search for a child in %(elsewhere)s instead")
        self.outside_wales_area = gettext(
            "%(area)s is outside Wales. servicemap lists services in Wales: those near by are shown, but they may "
            "not take referrals from where the child lives.")
        self.split_other = gettext(
            "Part of %(postcode)s is in %(other)s. These results are for %(area)s, which has %(percent)s%% of its "
            "postcodes: enter more of the postcode to be sure.")
        self.split = gettext(
            "Part of %(postcode)s is in another local authority. These results are for %(area)s, which has "
            "%(percent)s%% of its postcodes: enter more of the postcode, or choose the local authority, to be sure.")
        self.fail_more = gettext("A service can fail more than one criterion.")
        # As exclusions.html: a search without a criterion that is the searcher's preference.
        self.relax = {
            "welsh": ("welsh", gettext("Search without asking for Welsh")),
            "delivery": ("delivery", gettext("Search with any way of giving support")),
            "wait": ("max_wait", gettext("Search with any wait")),
        }
        self.show_as = gettext("Show results as")
        self.list = gettext("List")
        self.map = gettext("Map")
        self.sort_results = gettext("Sort results")
        self.sort = gettext("Sort:")
        self.sorts = [(value, conditional_escape(label)) for value, label in selectors.SORTS]
        # Not "0 take referrals from …" above the all-Wales services, which do.
        self.no_local = gettext("No local service takes referrals from %(area)s")
        # The people chosen whom no local result supports (AudienceGap), and where to look wider.
        self.audience_gaps = {
            "child": gettext("None of the services found that take referrals from %(area)s supports the child or "
                             "young person."),
            "parent_carer": gettext("None of the services found that take referrals from %(area)s supports "
                                    "non-abusing parents and carers."),
            "sibling": gettext("None of the services found that take referrals from %(area)s supports siblings."),
        }
        self.gap_all_wales = gettext("See the all-Wales services and helplines that do")
        self.gap_national = gettext("See the national services and helplines that do")
        self.gap_nearby = gettext("See the services near by that do")
        self.gap_nowhere = gettext("Try a local authority next door, or ask your safeguarding board.")
        self.key = gettext("Key")
        self.key_local = gettext("takes referrals from the area")
        self.key_nearby = gettext("near by, not covering it")
        self.key_all_wales = gettext("all-Wales")
        self.key_national = gettext("national")
        self.local_heading = gettext("Services that take referrals from %(area)s")
        self.nearby_heading = gettext("Near by, but not taking referrals from %(area)s")
        self.fallback_heading = gettext("All-Wales services and helplines")
        # Outside Wales the group holds helplines that list no area (and services covering that nation).
        self.national_heading = gettext("National services and helplines")
        self.nearby_note = gettext("They might accept an out-of-area referral: ask them.")
        self.continued = gettext("(continued)")
        self.results_pages = gettext("Results pages")
        self.previous = gettext("Previous")
        self.page = gettext("page")
        self.next = gettext("Next")
        self.page_number = gettext("Page %(number)s")
        # On paper, where the form and the page links are left off.
        self.searched_for = gettext("You searched for")
        self.showing = gettext("Showing %(first)s to %(last)s of %(total)s")

    def plural(self, singular: str, plural: str, count: int) -> str:
        """`ngettext(singular, plural, count)` in this language (the active one: `_strings` is
        called with it), kept: a search's dozen plural texts, each looked up through the active
        translation's thread-local, cost ~45 µs (0.1 floor) against ~5 µs from here."""
        key = (singular, plural, count)
        text = self._plurals.get(key)
        if text is None:
            if len(self._plurals) >= MAX_PLURALS:
                self._plurals.clear()
            text = self._plurals[key] = ngettext(singular, plural, count)
        return text


@functools.lru_cache(maxsize=8)
def _strings(language: str | None) -> _Strings:
    return _Strings()


def _exclusions(outcome: selectors.SearchOutcome, area: str, links: QueryLinks, strings: _Strings) -> str:
    """As exclusions.html."""
    if outcome.area.in_wales:
        considered = strings.plural(
            "%(counter)s service takes referrals from %(area)s, is near by or covers all of Wales. Left out by your "
            "criteria:",
            "%(counter)s services take referrals from %(area)s, are near by or cover all of Wales. Left out by "
            "your criteria:",
            outcome.considered,
        )
    else:
        # Outside Wales no all-Wales service is weighed (it does not take the referral): only national ones.
        considered = strings.plural(
            "%(counter)s service takes referrals from %(area)s, is near by or works nationally. Left out by your "
            "criteria:",
            "%(counter)s services take referrals from %(area)s, are near by or work nationally. Left out by your "
            "criteria:",
            outcome.considered,
        )
    considered %= {"counter": _number(outcome.considered), "area": area}
    items = []
    for exclusion in outcome.exclusions:
        count = strings.plural("%(counter)s service", "%(counter)s services", exclusion.count) % {
            "counter": _number(exclusion.count)}
        only = ""
        if exclusion.only_reason:
            only = " ({})".format(strings.plural(
                "%(counter)s would match without this criterion", "%(counter)s would match without this criterion",
                exclusion.only_reason,
            ) % {"counter": _number(exclusion.only_reason)})
            if exclusion.code in strings.relax:
                field, text = strings.relax[exclusion.code]
                only += f' <a class="govuk-link" href="{links.link(**{field: None, "page": None})}">{text}</a>'
        items.append(f'\n  <li data-criterion="{conditional_escape(exclusion.code)}"><strong>'
                     f"{conditional_escape(exclusion.label)}</strong>: {count}{only}</li>\n  ")
    return (
        f'\n<p class="govuk-body">{considered}</p>\n'
        f'<ul class="govuk-list govuk-list--bullet sm-exclusions">\n  {"".join(items)}\n</ul>\n'
        f'<p class="govuk-body-s">{strings.fail_more}</p>\n'
    )


def _group_counts(outcome: selectors.SearchOutcome, area: str, links: QueryLinks, strings: _Strings) -> str:
    counts = outcome.group_counts()
    first_pages = outcome.first_pages()
    texts = {
        selectors.Group.LOCAL: strings.plural(
            "%(counter)s takes referrals from %(area)s", "%(counter)s take referrals from %(area)s",
            counts[selectors.Group.LOCAL],
        ) % {"counter": _number(counts[selectors.Group.LOCAL]), "area": area}
        if counts[selectors.Group.LOCAL] else strings.no_local % {"area": area},
        selectors.Group.FALLBACK: strings.plural(
            "%(counter)s all-Wales service or helpline", "%(counter)s all-Wales services and helplines",
            counts[selectors.Group.FALLBACK],
        ) % {"counter": _number(counts[selectors.Group.FALLBACK])} if outcome.area.in_wales else strings.plural(
            "%(counter)s national service or helpline", "%(counter)s national services and helplines",
            counts[selectors.Group.FALLBACK],
        ) % {"counter": _number(counts[selectors.Group.FALLBACK])},
        selectors.Group.NEARBY: strings.plural(
            "%(counter)s near by (within %(km)s km) but not covering it",
            "%(counter)s near by (within %(km)s km) but not covering it",
            counts[selectors.Group.NEARBY],
        ) % {"counter": _number(counts[selectors.Group.NEARBY]), "km": _number(selectors.NEARBY_KM)},
    }
    if not outcome.area.in_wales and not counts[selectors.Group.FALLBACK]:
        # Outside Wales the all-Wales services do not take the referral (they are not in the group):
        # "0 all-Wales services" said nothing true.
        del texts[selectors.Group.FALLBACK]
    items = []
    for group, text in texts.items():
        first = first_pages[group]
        if first:
            text = f'<a class="govuk-link" href="{links.link(page=first, view=None)}#group-{group.slug}">{text}</a>'
        items.append(f"  <li>{text}</li>\n")
    return f'\n<ul class="govuk-list sm-group-counts">\n{"".join(items)}</ul>\n'


def _audience_gaps(outcome: selectors.SearchOutcome, area: str, links: QueryLinks, strings: _Strings) -> str:
    """As results.html: the people chosen whom no local result supports, and where to look wider."""
    if not outcome.audience_gaps:
        return ""
    first_pages = outcome.first_pages()
    paragraphs = []
    for gap in outcome.audience_gaps:
        if gap.elsewhere is None:
            pointer = strings.gap_nowhere
        else:
            if gap.in_fallback:
                text = strings.gap_all_wales if outcome.area.in_wales else strings.gap_national
            else:
                text = strings.gap_nearby
            href = links.link(page=first_pages[gap.elsewhere], view=None)
            pointer = f'<a class="govuk-link" href="{href}#group-{gap.elsewhere.slug}">{text}</a>'
        paragraphs.append(f'  <p class="govuk-body">{strings.audience_gaps[gap.audience] % {"area": area}} {pointer}</p>\n')
    return f'<div class="govuk-inset-text sm-audience-gaps">\n{"".join(paragraphs)}</div>\n'


def _bars(view: str, sort: str, links: QueryLinks, strings: _Strings) -> str:
    if view == "map":
        toggle = (f'<a class="govuk-link" href="{links.link(view=None, page=None)}">{strings.list}</a> '
                  f'<strong aria-current="page">{strings.map}</strong>\n    ')
    else:
        toggle = (f'<strong aria-current="page">{strings.list}</strong> '
                  f'<a class="govuk-link" href="{links.link(view="map", page=None)}">{strings.map}</a>')
    # A list, its "·" drawn by the stylesheet after each choice but the last, inside its item: a line
    # never starts with one nor holds one alone (servicemap.css, .sm-sort__item).
    sorts = "".join(
        f'<li class="sm-sort__item"><strong aria-current="true">{label}</strong></li>' if value == sort
        else f'<li class="sm-sort__item"><a class="govuk-link" href="{links.link(sort=value, page=None)}">{label}</a></li>'
        for value, label in strings.sorts
    )
    return (
        '\n<div class="sm-results-bar sm-no-print">\n'
        f'  <nav class="sm-toggle govuk-body-s" aria-label="{strings.show_as}">\n'
        f"    {toggle}\n"
        "  </nav>\n"
        f'  <nav class="sm-sort govuk-body-s" aria-label="{strings.sort_results}">\n'
        f"    {strings.sort}\n"
        f'    <ul class="sm-sort__list">{sorts}</ul>\n'
        "  </nav>\n"
        "</div>\n"
    )


def _map_key(outcome: selectors.SearchOutcome, mapped_groups: Collection[selectors.Group], strings: _Strings) -> str:
    """The key of the groups the map draws a marker of, none if it draws none."""
    if not mapped_groups:
        return ""
    words = {
        selectors.Group.LOCAL: strings.key_local,
        selectors.Group.FALLBACK: strings.key_all_wales if outcome.area.in_wales else strings.key_national,
        selectors.Group.NEARBY: strings.key_nearby,
    }
    items = "".join(
        f'      <li><span class="sm-key sm-key--{group.slug}" aria-hidden="true"></span> {words[group]}</li>\n'
        for group in selectors.Group if group in mapped_groups
    )
    return (
        f'    <p class="govuk-body-s govuk-!-font-weight-bold govuk-!-margin-bottom-1" id="map-key">{strings.key}</p>\n'
        '    <ul class="govuk-list govuk-body-s sm-map-key" aria-labelledby="map-key">\n'
        f"{items}"
        "    </ul>\n"
    )


def _map(outcome: selectors.SearchOutcome, area: str, map_html: str, mapped_count: int,
         mapped_groups: Collection[selectors.Group], holes: Holes, strings: _Strings) -> str:
    total = len(outcome.results)
    if mapped_count == total:
        # "5 of the 5 services: the others have no published address" named others that were not there.
        note = strings.plural(
            "The map shows the one service found. %(area)s is outlined.",
            "The map shows all %(counter)s services found. %(area)s is outlined.",
            mapped_count,
        ) % {"counter": _number(mapped_count), "area": area}
    elif mapped_count == 0:
        # "The map shows 0 of the 4 services: the others have no published address" named "others".
        note = strings.plural(
            "The service found has no published address, so the map shows none. %(area)s is outlined.",
            "None of the %(counter)s services found has a published address, so the map shows none. "
            "%(area)s is outlined.",
            total,
        ) % {"counter": _number(total), "area": area}
    else:
        # Counted on those left off: "4 of the 5 services: the others have…" named one as "others".
        note = strings.plural(
            "The map shows %(shown)s of the %(total)s services: the other has no published address. "
            "%(area)s is outlined.",
            "The map shows %(shown)s of the %(total)s services: the others have no published address. "
            "%(area)s is outlined.",
            total - mapped_count,
        ) % {"shown": _number(mapped_count), "total": _number(total), "area": area}
    # Before the map (and its skip link): a screen reader hears what the map shows and its key
    # before its markers, and the list of places comes straight after the map.
    return (
        '\n  <div class="sm-map-note">\n'
        f'    <p class="govuk-body-s govuk-!-margin-bottom-1">{note}</p>\n'
        f"{_map_key(outcome, mapped_groups, strings)}"
        "  </div>\n"
        f"  {holes.map(map_html)}\n"
    )


def _cards(results: Sequence[selectors.SearchResult], area: str, holes: Holes, strings: _Strings,
           continued: bool, in_wales: bool) -> str:
    """As results.html's cards: `continued` when the page's first group began on an earlier page."""
    card_strings = result_card.PageStrings(area=area)
    out = []
    group = None
    for index, result in enumerate(results):
        out.append("\n    ")
        if result.group != group:
            group = result.group
            if result.is_local:
                heading = strings.local_heading % {"area": area} + "\n      "
            elif result.is_nearby:
                heading = strings.nearby_heading % {"area": area} + "\n      "
            else:
                heading = strings.fallback_heading if in_wales else strings.national_heading
            if continued and index == 0:
                heading += f" {strings.continued}"
            note = f'<p class="govuk-body-s">{strings.nearby_note}</p>' if result.is_nearby else ""
            out.append(
                f'\n    <h2 class="govuk-heading-m sm-group-heading" id="group-{group.slug}">\n'
                f"      {heading}\n    </h2>\n    {note}\n    "
            )
        out.append(f"\n    {result_card.card_html(result, card_strings, holes.shortlist_button(result.service))}\n  ")
    return "".join(out)


def _pagination(page: Page, links: QueryLinks, strings: _Strings) -> str:
    if page.paginator.num_pages <= 1:
        return ""
    previous = next_ = ""
    if page.has_previous():
        previous = (
            '<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" '
            f'href="{links.link(page=page.previous_page_number())}" rel="prev"><span class="govuk-pagination__link-title">'
            f'{strings.previous}<span class="govuk-visually-hidden"> {strings.page}</span></span></a></div>'
        )
    if page.has_next():
        next_ = (
            '<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" '
            f'href="{links.link(page=page.next_page_number())}" rel="next"><span class="govuk-pagination__link-title">'
            f'{strings.next}<span class="govuk-visually-hidden"> {strings.page}</span></span></a></div>'
        )
    items = []
    for number in pagination.page_items(page.paginator, page.number):
        if number == pagination.ELLIPSIS:
            item = '<li class="govuk-pagination__item govuk-pagination__item--ellipses">&ctdot;</li>\n      '
        else:
            text = _number(number)
            current = number == page.number
            item_class = " govuk-pagination__item--current" if current else ""
            aria_current = ' aria-current="page"' if current else ""
            label = strings.page_number % {"number": text}
            item = (
                f'<li class="govuk-pagination__item{item_class}"><a class="govuk-link govuk-pagination__link" '
                f'href="{links.link(page=number)}" aria-label="{label}"{aria_current}>{text}</a></li>'
            )
        items.append(f"\n      {item}\n      ")
    showing = strings.showing % {"first": _number(page.start_index()), "last": _number(page.end_index()),
                                 "total": _number(page.paginator.count)}
    return (
        f'\n  <p class="govuk-body-s sm-print-only">{showing}</p>\n'
        f'  <nav class="govuk-pagination" aria-label="{strings.results_pages}">\n'
        f"    {previous}\n"
        '    <ul class="govuk-pagination__list">\n'
        f'      {"".join(items)}\n'
        "    </ul>\n"
        f"    {next_}\n"
        "  </nav>\n  "
    )


def _place_note(place, area: str, links: QueryLinks, strings: _Strings) -> str:
    """As results.html: where the search's area may not be the child's, what the results are for."""
    if place.postcode_elsewhere:
        elsewhere, postcode = conditional_escape(place.postcode_elsewhere), conditional_escape(place.postcode)
        text = strings.postcode_elsewhere % {"postcode": postcode, "elsewhere": elsewhere, "area": area}
        return ('\n<div class="govuk-inset-text sm-place-note">\n'
                f'  <p class="govuk-body">{text}</p>\n'
                f'  <p class="govuk-body"><a class="govuk-link" href="{links.link(la=None, page=None)}">'
                f"{strings.search_elsewhere % {'elsewhere': elsewhere}}</a></p>\n"
                "</div>\n")
    if place.split_other:
        other = conditional_escape(place.split_other)
        text = strings.split_other % {"postcode": conditional_escape(place.postcode), "other": other, "area": area,
                                      "percent": place.split_percent}
        return ('\n<div class="govuk-inset-text sm-place-note">\n'
                f'  <p class="govuk-body">{text}</p>\n'
                f'  <p class="govuk-body"><a class="govuk-link" href="{links.link(la=place.split_other_code, page=None)}">'
                f"{strings.search_elsewhere % {'elsewhere': other}}</a></p>\n"
                "</div>\n")
    if place.split_share is not None:
        text = strings.split % {"postcode": conditional_escape(place.postcode), "area": area,
                                "percent": place.split_percent}
        return ('\n<div class="govuk-inset-text sm-place-note">\n'
                f'  <p class="govuk-body">{text}</p>\n'
                "</div>\n")
    return ""


def _searched_for(form: SearchForm, strings: _Strings) -> str:
    """As results.html: what was searched for, on paper only (the form beside the results is not printed)."""
    items = "".join(f"<li><strong>{conditional_escape(label)}</strong>: {conditional_escape(text)}</li>"
                    for label, text in form.searched_for())
    return (
        '<div class="sm-print-only sm-searched-for">\n'
        f'  <h3 class="govuk-heading-s govuk-!-margin-bottom-1">{strings.searched_for}</h3>\n'
        f'  <ul class="govuk-list govuk-body-s">{items}</ul>\n'
        "</div>\n"
    )


def _distances(place, strings: _Strings) -> str:
    """As results.html: where distances are measured from."""
    if place.unknown_postcode:
        return strings.unknown_postcode % {"postcode": conditional_escape(place.unknown_postcode)}
    if place.from_centre:
        return strings.from_centre
    if place.cut:
        return strings.cut_postcode % {"postcode": conditional_escape(place.postcode)}
    return strings.from_postcode % {"postcode": conditional_escape(place.postcode)}


def _results(
    request: HttpRequest, *, form: SearchForm, outcome: selectors.SearchOutcome, page: Page, page_notice: str,
    view: str, holes: Holes, map_html: str, mapped_count: int, mapped_groups: Collection[selectors.Group],
) -> str:
    """As results.html."""
    strings = _strings(get_language())
    links = QueryLinks(request.GET)
    area = conditional_escape(outcome.area.name)
    place = form.place
    results = outcome.results
    found = strings.plural("%(counter)s service found", "%(counter)s services found", len(results)) % {
        "counter": _number(len(results))}
    distances = _distances(place, strings)
    out = [
        f'\n<h2 class="govuk-heading-l sm-results-title">{found}</h2>\n'
        '<p class="govuk-body sm-change-search sm-no-print"><a class="govuk-link" href="#search-form">'
        f"{strings.change}</a></p>\n"
        '<p class="govuk-body">\n'
        f"  {strings.for_child % {'area': area}}\n"
        f"  {distances}\n"
        "</p>\n",
        _searched_for(form, strings),
    ]
    out.append(_place_note(place, area, links, strings) + "\n")
    if not outcome.area.in_wales:
        out.append(
            '\n<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>'
            f'<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">{strings.warning}</span>'
            f"{strings.outside_wales_area % {'area': area} if place.split_other else strings.outside_wales}"
            "</strong></div>\n"
        )
    out.append("\n")
    if results:
        out.append(_group_counts(outcome, area, links, strings))
        out.append(_audience_gaps(outcome, area, links, strings))
    out.append("\n\n")
    if outcome.exclusions:
        exclusions = _exclusions(outcome, area, links, strings)
        if results:
            out.append(
                '\n  \n  <details class="govuk-details">\n'
                '    <summary class="govuk-details__summary"><span class="govuk-details__summary-text">'
                f"{strings.why_not_shown}</span></summary>\n"
                f'    <div class="govuk-details__text">{exclusions}</div>\n'
                "  </details>\n  \n"
            )
        else:
            out.append(
                '\n  \n  <div class="govuk-inset-text sm-empty">\n'
                f'    <h3 class="govuk-heading-s">{strings.none_meets}</h3>\n'
                f"    {exclusions}\n"
                f'    <p class="govuk-body">{strings.none_meets_advice}</p>\n'
                "  </div>\n  \n"
            )
    elif not results:
        none_found = strings.none_found_text if outcome.area.in_wales else strings.none_found_outside_wales
        out.append(
            '\n<div class="govuk-inset-text sm-empty">\n'
            f'  <h3 class="govuk-heading-s">{strings.none_found}</h3>\n'
            f'  <p class="govuk-body">{none_found % {"area": area}}</p>\n'
            "</div>\n"
        )
    out.append("\n\n")
    if results:
        sort = form.cleaned_data.get("sort") or selectors.SORT_BEST
        out.append(_bars(view, sort, links, strings))
        if page_notice:
            out.append(f'<p class="govuk-body govuk-!-font-weight-bold" role="status">{conditional_escape(page_notice)}</p>')
        out.append("\n\n")
        if view == "map":
            out.append(_map(outcome, area, map_html, mapped_count, mapped_groups, holes, strings))
        else:
            out.append(f"\n  {_cards(page.object_list, area, holes, strings, outcome.continues_group(page.start_index() - 1), outcome.area.in_wales)}\n  {_pagination(page, links, strings)}\n")
        out.append("\n")
    out.append("\n")
    return "".join(out)


def search_results_html(
    request: HttpRequest, *, form: SearchForm, outcome: selectors.SearchOutcome, page: Page, page_notice: str,
    view: str, holes: Holes, directory_version: str, map_html: str = "", mapped_count: int = 0,
    mapped_groups: Collection[selectors.Group] = (),
) -> str:
    """As search_results.html: the results (with holes for the shortlist buttons and the map) and the
    form. HTML (translations from our catalogue, every value escaped), as a plain str: its one reader
    cuts it at the holes (`Holes.split`), and marking ~90 kB safe would copy it."""
    results = _results(request, form=form, outcome=outcome, page=page, page_notice=page_notice, view=view,
                       holes=holes, map_html=map_html, mapped_count=mapped_count,
                       mapped_groups=mapped_groups)
    return (
        '<div class="govuk-grid-row">\n'
        '  <div class="govuk-grid-column-two-thirds sm-results-column" id="results">\n'
        f"    {results}\n"
        "  </div>\n"
        '  <div class="govuk-grid-column-one-third">\n'
        f"    {search_form_html(form, view, directory_version)}\n"
        "  </div>\n"
        "</div>\n"
    )


def render_template(
    request: HttpRequest, *, form: SearchForm, outcome: selectors.SearchOutcome, page: Page, page_notice: str,
    view: str, holes: Holes, directory_version: str, map_html: str = "", mapped_count: int = 0,
    mapped_groups: Collection[selectors.Group] = (),
) -> str:
    """The same through search_results.html (the definition `search_results_html` is tested against)."""
    context = {
        "form": form, "holes": holes, "directory_version": directory_version, "outcome": outcome,
        "place": form.place, "page": page, "page_items": pagination.page_items(page.paginator, page.number),
        "ellipsis": pagination.ELLIPSIS, "page_notice": page_notice, "view": view,
        "sort": form.cleaned_data.get("sort") or selectors.SORT_BEST, "sorts": selectors.SORTS,
        "nearby_km": selectors.NEARBY_KM, "group_pages": {g.name.lower(): outcome.first_page(g) for g in selectors.Group},
        "mapped_count": mapped_count, "unmapped_count": len(outcome.results) - mapped_count, "map_html": map_html,
        "mapped_groups": {group.slug for group in mapped_groups},  # the groups the map draws: its key names them
        "group_continued": outcome.continues_group(page.start_index() - 1),
    }
    return render_to_string(TEMPLATE, context, request=request)
