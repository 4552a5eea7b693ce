"""Source, period, method and limits of the gaps figures: one text for the pages, CSV and API."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from directory.bilingual import area_display_name
from gaps import layers
from gaps.forms import quarter_label
from gaps.layers import LayerResult
from servicemap import rates

CENSUS = gettext_lazy("ONS Census 2021, table TS007 (usual residents aged 0–17 on 21 March 2021)")
# The proportions quoted from research (the limits' "one in five" registered, the headlines' "two in
# five" with no support) come from one small study: say which, and how small, wherever they go.
STUDY = gettext_lazy(
    "“About one in five” and “about two in five”: a study of the social care records of 44 "
    "children in two Welsh local authorities, with focus groups of 10 social workers, commissioned by the Centre "
    "of expertise on child sexual abuse and the Welsh Government. A small study: its proportions are indications, "
    "not counts for Wales."
)


# The directory knows England's and Scotland's postcodes and local authority names (for a search),
# but holds no areas, children or coverage there: say so wherever the figures are, not leave a
# reader in England to take an absence for "no provision".
WALES_ONLY = gettext_lazy(
    "Wales only: the figures are for Wales's local authorities. The directory holds no areas, numbers of "
    "children or service coverage for England or Scotland yet, so provision there is not shown."
)


def access_unit(basis: str, need: str) -> str:
    """What an access figure counts, per 10,000 of what: it follows the supply basis and the need
    chosen (per 10,000 estimated abused children is ten times per 10,000 children)."""
    if basis == layers.BASIS_CAPACITY:
        if need == layers.NEED_PREVALENCE:
            return _("referrals a year per 10,000 children estimated to experience sexual abuse")
        return _("referrals a year per 10,000 children")
    if need == layers.NEED_PREVALENCE:
        return _("services per 10,000 children estimated to experience sexual abuse")
    return _("services per 10,000 children")


def supply_statement(result: LayerResult) -> str:
    n = len(result.services)
    unit = access_unit(result.basis, result.need)
    if result.basis == layers.BASIS_CAPACITY:
        return _capacity_statement(n, result.services_with_capacity, unit)
    return _("Supply is 1 per service: figures are %(unit)s (%(n)s services counted).") % {"n": n, "unit": unit}


def _capacity_statement(n: int, with_capacity: int, unit: str) -> str:
    """Whether the capacity figures mix units: only where some services state a capacity and others
    count as 1 (it said "for 6 of 6 services; the 0 that state none count as 1, so figures mix units"
    of a layer whose every service states one)."""
    if n == 0:
        return _("Supply is each service's stated capacity (new referrals a year); no service is counted here.")
    if with_capacity == n:
        return ngettext(
            "Supply is each service's stated capacity (new referrals a year): the %(n)s service counted states "
            "one. Figures are %(unit)s.",
            "Supply is each service's stated capacity (new referrals a year): all %(n)s services counted state "
            "one. Figures are %(unit)s.",
            n,
        ) % {"n": n, "unit": unit}
    if with_capacity == 0:
        # Every service counts as 1: the figures are services, whatever the unit's name says.
        return ngettext(
            "Supply would be each service's stated capacity (new referrals a year), but the %(n)s service "
            "counted states none, so it counts as 1: the figures are services per 10,000 of need.",
            "Supply would be each service's stated capacity (new referrals a year), but none of the %(n)s "
            "services counted states one, so each counts as 1: the figures are services per 10,000 of need.",
            n,
        ) % {"n": n}
    return _(
        "Supply is each service's stated capacity (new referrals a year) for %(with)s of %(n)s services; "
        "the %(without)s that state none count as 1, so figures mix units where both occur. Figures are "
        "%(unit)s."
    ) % {"with": with_capacity, "n": n, "without": n - with_capacity, "unit": unit}


def need_statement(need: str) -> str:
    if need == layers.NEED_PREVALENCE:
        return _("Need is the estimated number of children who will experience sexual abuse before 16 (at least). ") + \
            str(layers.PREVALENCE_SOURCE) + " " + str(layers.PREVALENCE_AGES)
    return _("Need is the number of children aged 0–17 living in each local authority.")


# What the waits are of. gaps-method.md asks for "waiting time ... beside access" and says nothing of
# leaving closed lists out, so the figures keep every covering service's latest reported wait; said
# here (the method note: page, CSV, API) and under the tables, as the closed lists are counted apart.
WAITS_WITH_CLOSED = gettext_lazy(
    "The median and longest waits include services whose waiting list is closed, at their latest reported "
    "wait; the closed lists are counted in a column of their own."
)

# What the tables' "Covering services" are, said under each table that has the column: "coverage" was
# explained only in the Limits note, far below the figures it makes. One sentence, for a phone; the
# Method note (linked from the hint) says a regional service covers each of its local authorities.
COVERING_SERVICES = gettext_lazy(
    "Covering services: those whose listing says they take referrals from the area, regional and all-Wales "
    "services included."
)
# How the Wales row differs from the areas' rows: its median wait (10.0 weeks) is above most local
# authorities' medians, which read as an error. In full in the method note; in one sentence under the
# tables (the full text was some 16 lines on a 375px phone in Welsh).
WALES_ROW = gettext_lazy(
    "The Wales row is Wales as a whole, not an average of the areas' rows: its access is the Wales level, and "
    "its services, waits and closed lists take every service in Wales once. An area's median wait is of the few "
    "services covering it, each all-Wales service among them, so Wales's median wait can be above most areas'."
)
WALES_ROW_HINT = gettext_lazy(
    "The Wales row counts every service in Wales once, not an average of the areas, so its median wait can be "
    "above most areas'."
)
HINTS = {"covering": COVERING_SERVICES, "wales_row": WALES_ROW_HINT}


def figure_notes(result: LayerResult, as_of: date | None) -> list[tuple[str, str]]:
    """(heading, text) pairs stating where the figures come from, when, how, and what they cannot show."""
    period = _("Directory as it stood on %(date)s (waiting times: each service's latest report).") % {
        "date": date_format(as_of, "j F Y") if as_of else _("no services yet")
    }
    return [
        ("source", _(
            "Services, the areas they take referrals from, and their waiting times: the servicemap directory "
            "(listings kept by providers and checked by moderators). Children: %(census)s. Boundaries: ONS local "
            "authority districts via Martin Chorley's UK-GeoJSON (CC BY 4.0), OS data © Crown copyright."
        ) % {"census": CENSUS} + " " + str(STUDY)),
        ("period", period + " " + _("Children: Census day, 21 March 2021.")),
        ("method", _(
            "Two-step floating catchment area, coverage variant (Luo & Wang 2003): each service's supply is "
            "shared among the children of the areas it covers, then each area adds up the shares that reach it. "
            "A service covering a health board, safeguarding board or all of Wales covers each of its local "
            "authorities. Access against the Wales level (the table's “Against Wales”; normalised_access in the "
            "CSV and JSON) divides each area's access by the Wales level, so 1 is the Wales level and below 1 is "
            "worse. Closed services are left out; paused services count, with their list closed. Regions are "
            "demand-weighted means of their local authorities. Waiting times are shown beside access, not in it."
        ) + " " + str(WAITS_WITH_CLOSED) + " " + str(WALES_ROW) + " " + supply_statement(result) + " " + need_statement(result.need)),
        ("limits", _(
            "Coverage is what services declare, not how many children they can see. A service covering all of "
            "Wales is spread over all its children, so national services add little to any one area. Age-band "
            "layers still divide by all children aged 0–17. Waiting times are reported by services and may be "
            "out of date. Child protection registrations are not used as need: only about one in five children "
            "with recorded concerns about sexual abuse were registered for it."
        ) + " " + str(WALES_ONLY)),
    ]


def region_note(region: layers.AreaRow, members: list[layers.AreaResult]) -> str:
    """Which local authorities a region's figures cover, and how its own row is made from theirs."""
    names = ", ".join(area_display_name(m.name, m.name_cy) for m in members)
    covers = ngettext(
        "%(region)s covers %(n)s local authority: %(members)s.",
        "%(region)s covers %(n)s local authorities: %(members)s.", len(members),
    ) % {"region": area_display_name(region.name, region.name_cy), "n": len(members), "members": names}
    return covers + " " + _(
        "On its own row, access is the mean of its local authorities' access weighted by their numbers of "
        "children; services, waits and closed lists are those of every service covering any of them. Wales "
        "is shown beside it to compare."
    )


def web_page(name: str, query: str) -> str:
    """The public address of the page a download's figures are on, with the same choices and in the
    file's language (the active one): where a reader of the file, or of a report quoting it, finds the
    figures and their method, so a figure can be cited. From SITE_URL, as emails' links are, not the
    request's host (an API client's or a proxy's)."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse(name)}{'?' if query else ''}{query}"


def note_anchor(heading: str) -> str:
    """The id of a note's row on the page ("figures-method"), which the tables' hints link to; "" for a
    heading that is not one of NOTE_HEADINGS."""
    keys = {str(text): key for key, text in NOTE_HEADINGS.items()}
    return f"figures-{keys[str(heading)]}" if str(heading) in keys else ""


NOTE_HEADINGS = {
    "area": gettext_lazy("Area"),
    "source": gettext_lazy("Source"),
    "period": gettext_lazy("Period"),
    "method": gettext_lazy("Method"),
    "limits": gettext_lazy("Limits"),
    "suppression": gettext_lazy("Small numbers"),
}


def _counting_cap() -> str:
    """The per-client cap on counting (settings.UNMET_COUNT_RATE), in words."""
    count, seconds = rates.parse_rate(settings.UNMET_COUNT_RATE)
    per = {1: _("a second"), 60: _("a minute"), 3600: _("an hour"), 86400: _("a day")}[seconds]
    return _("At most %(count)s searches %(per)s are counted from one network address, so that no script can "
             "inflate the counts.") % {"count": count, "per": per}


def unmet_notes(quarter: date | None) -> list[tuple[str, str]]:
    """The notes of the unmet-demand figures for the quarter beginning on `quarter` (None: none has ended)."""
    whole = _("Figures are shown only for whole calendar quarters that have ended, never for other spans of "
              "months, so that no count can be worked out by comparing two periods.")
    if quarter:
        period = _("Searches in %(quarter)s.") % {"quarter": quarter_label(quarter)} + " " + whole
    else:
        period = _("No quarter that has ended holds any counted searches yet.") + " " + whole
    return [
        ("source", _(
            "servicemap's search page: each search whose results held no service covering the child's local "
            "authority adds 1 to a count for its month, local authority, forms of abuse, age band, the criterion "
            "that excluded services, and the reason. Nothing else about the search is kept."
        )),
        ("period", period),
        ("limits", _(
            "These are searches, not children: one child may be searched for several times, or not at all. "
            "Practitioners who know there is nothing nearby may stop searching. A search for several forms of "
            "abuse is counted once, under that combination."
        ) + " " + _("Only searches for a child in a Welsh local authority are counted; a search from a postcode "
                    "in England or Scotland is not.") + " " + _counting_cap()),
        ("suppression", _("Counts of 1–4 are shown as <5; some other cells are hidden so they cannot be worked out.")
         + " " + UNMET_REGIONS_SUPPRESSED),
    ]


# Why a local authority's cell may be hidden on every view, not only on a region's (gaps/unmet.py).
UNMET_REGIONS_SUPPRESSED = gettext_lazy(
    "A health board's or regional safeguarding board's counts are the sums of its local authorities' counts, "
    "and are suppressed together with them, the same on every page: where subtracting the counts of a region's "
    "other local authorities, or of another region, from the region's count would give away a hidden count, "
    "another cell is hidden too."
)


def unmet_region_note(region: layers.AreaRow, members: list[str]) -> str:
    """Which local authorities a region's unmet counts add up (their names, in the page's language)."""
    covers = ngettext(
        "%(region)s covers %(n)s local authority: %(members)s.",
        "%(region)s covers %(n)s local authorities: %(members)s.", len(members),
    ) % {"region": area_display_name(region.name, region.name_cy), "n": len(members), "members": ", ".join(members)}
    return covers + " " + _(
        "On its own row, each count is the sum of its local authorities' counts, and the rate is per 10,000 of "
        "their children. The tables by forms of abuse, age and criterion are for all of Wales."
    )
