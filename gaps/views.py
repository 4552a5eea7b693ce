"""Commissioner pages: thin views over the selectors, the map builder and the suppression rules."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from directory import boundaries, map_shapes, reference_data
from directory.bilingual import area_display_name
from directory.models import WALES_CODE
from gaps import coverage, csv_columns, layers, maps, notes, selectors, unmet
from gaps.forms import (
    DEFAULTS,
    VIEW_LA,
    VIEWS,
    GapsForm,
    LayerForm,
    RegionChoice,
    TrendsForm,
    UnmetForm,
    quarter_key,
    quarter_label,
)
from gaps.layers import AreaResult, AreaRow, Layer, LayerResult
from gaps.models import Snapshot
from servicemap.csv_cells import as_text_cell

if TYPE_CHECKING:
    from _csv import _writer as CSVWriter

# ONS codes' first letter → what is said of a local authority outside Wales (whole sentences: Welsh
# mutates a country's name after "yn").
OUTSIDE_WALES = {
    "E": gettext_lazy("%(name)s is a local authority in England. There are no gaps figures for it."),
    "S": gettext_lazy("%(name)s is a local authority in Scotland. There are no gaps figures for it."),
}
# An ONS area code: a letter and eight digits (W06000015).
AREA_CODE = re.compile(r"[A-Z][0-9]{8}")
# A safeguarding board's code, which has no ONS code: its name's words (data/wales_safeguarding_regions.csv).
REGION_SLUG = re.compile(r"[a-z]+(?:-[a-z]+){0,5}")
# The map page's table's columns: what each sorts by, its link's name and, for the two waits (shown
# under one heading, "Wait (weeks)", so that the Welsh table fits its column), the short heading
# shown; the link's name (aria-label), read out, still says which wait. The waits come last, so that their
# links, in the headings' second row, are also the last in the order Tab takes.
SORT_COLUMNS = (
    ("name", gettext_lazy("Area"), None),
    ("services", gettext_lazy("Covering services"), None),
    ("access", gettext_lazy("Access per 10,000"), None),
    ("normalised", gettext_lazy("Against Wales"), None),
    ("closed", gettext_lazy("Closed lists"), None),
    ("wait", gettext_lazy("Median wait (weeks)"), gettext_lazy("Median")),
    ("longest", gettext_lazy("Longest wait (weeks)"), gettext_lazy("Longest")),
)


@dataclass(frozen=True)
class Chosen:
    layer: Layer
    basis: str
    need: str
    view: str
    sort: str


def _chosen(form: LayerForm) -> Chosen:
    data = form.cleaned_or_defaults()
    return Chosen(
        Layer(data["layer"], data["age"]), data["basis"], data["need"],
        data.get("view", DEFAULTS["view"]), data.get("sort", DEFAULTS["sort"]),
    )


def _rows_for_view(result: LayerResult, view: str, version: str) -> tuple[list[AreaResult], dict[str, AreaResult]]:
    """The table's rows, and for regional views each local authority's region (to colour the map)."""
    if view == VIEW_LA:
        return result.areas, {}
    regions = selectors.gaps_regions(kind=view, version=version)
    rows = layers.regional(result, regions)
    by_la = {code: row for region, row in zip(regions, rows, strict=True) for code in region.la_codes}
    return rows, by_la


def _no_provision_by_region(
    rows: list[AreaResult], no_provision: list[AreaResult], region_of: dict[str, AreaResult]
) -> list[tuple[AreaResult, list[AreaResult]]]:
    """In a regional view, each region that holds a local authority with no provision, with those
    local authorities (in the table's order of regions by name)."""
    if not region_of:
        return []
    return [
        (region, members) for region in layers.sort_results(rows, "name")
        if (members := [la for la in no_provision if region_of.get(la.code) is region])
    ]


def _sort_links(request: HttpRequest, current: str) -> list[dict]:
    links = []
    for column, label, short in SORT_COLUMNS:
        query = request.GET.copy()
        ascending = current != column
        query["sort"] = column if ascending else f"-{column}"
        state = "ascending" if current == column else "descending" if current == f"-{column}" else "none"
        links.append({"column": column, "label": label, "short": short, "query": query.urlencode(),
                      "aria_sort": state})
    return links


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The choropleth and table for one layer, by local authority or region."""
    form = GapsForm(request.GET or None)
    chosen = _chosen(form)
    version = selectors.directory_version()
    result = selectors.gaps_layer(layer=chosen.layer, basis=chosen.basis, need=chosen.need, version=version)
    rows, region_of = _rows_for_view(result, chosen.view, version)
    unit = notes.access_unit(result.basis, result.need)
    shapes = boundaries.la_shapes()
    map_html = maps.build_gaps_map(
        shapes.collection(), result.areas, regions=region_of, label_points=maps.label_points(shapes),
        more_points=maps.inner_points(shapes),
        tiles_url=settings.MAP_TILES_URL, tiles_attribution=settings.MAP_TILES_ATTRIBUTION,
        unit=unit, shapes_url=shapes.url(),
        region_outlines=selectors.region_outlines(version=version) if region_of else None,
    )
    table = [(row, maps.bin_for(row)) for row in layers.sort_results(rows, chosen.sort)]
    # Local authorities with none, whatever the view: a region's mean would hide them.
    no_provision = [r for r in layers.sort_results(result.areas, "name") if r.no_provision]
    return render(request, "gaps/index.html", {
        "form": form,
        "chosen": chosen,
        # What the areas are ("Health boards"), at the top of each printed sheet.
        "view_label": dict(VIEWS).get(chosen.view, ""),
        "result": result,
        "rows": table,
        "no_provision": no_provision,
        "no_provision_by_region": _no_provision_by_region(rows, no_provision, region_of),
        "map_html": map_html,
        "map_key": maps.map_key(chosen.view, rows, result.areas),
        "sort_links": _sort_links(request, chosen.sort),
        "notes": _notes(result),
        "supply_statement": notes.supply_statement(result),
        "access_unit": unit,
        "need_statement": notes.need_statement(result.need),
        "query": form.shown_query(),
        # On the links to the areas' pages, for their back links.
        "area_query": form.changed_query(),
    })


@require_safe
def region_shapes(request: HttpRequest, digest: str) -> HttpResponse:
    """The regions' outlines the gaps map's regional views draw (selectors.region_outlines), kept by
    browsers for a year as the local authorities' shapes are (directory/map_shapes.file_response)."""
    return map_shapes.file_response(request, selectors.region_outlines(), digest)


def _csv_refused(form: forms.Form) -> HttpResponse:
    """400, in plain words: a file of other figures than the ones asked for (the page shows the
    defaults beside its errors) would be read as the answer by a script that asked wrongly."""
    problems = [_problem(form, name, errors) for name, errors in form.errors.items()]
    text = "\n".join([_("No CSV was made: the query asks for something that does not exist."), *problems, ""])
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


def _csv_attachment(*name: str) -> HttpResponse:
    """An empty CSV download, begun with a byte-order mark: without it Excel, where most
    commissioners open these files, reads them as Windows-1252 and garbles Welsh names (Ynys Môn)
    and the notes' dashes. csv readers and pandas skip it (Python's `utf-8-sig`).

    Named `servicemap-<name parts>.csv`, with `-cy` last for the Welsh file: the same figures
    downloaded in both languages were one name and a "(1)" the browser added."""
    parts = ["servicemap", *name, *(["cy"] if translation.get_language() == "cy" else [])]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{"-".join(parts)}.csv"'
    response.write("\ufeff")
    return response


def _dated(as_of: date | None) -> list[str]:
    """A file name's date part: the directory's date, which the figures are of (none for an empty one)."""
    return [as_of.isoformat()] if as_of else []


def _region_name(region: AreaRow | None) -> str:
    """What a download's figures are for: the region's name in the file's language, or Wales."""
    return area_display_name(region.name, region.name_cy) if region else _("Wales")


def _write_preamble(writer: CSVWriter, pairs: list[tuple[str, str]]) -> None:
    """The rows above a CSV's table (heading, text) and the blank row that ends them. Every cell as
    text (servicemap/csv_cells.py): a region's name, which an imported feed may give
    (directory/oruk/importer.py), is the "Figures for" cell and begins the note on what it covers."""
    for heading, text in pairs:
        writer.writerow([as_text_cell(heading), as_text_cell(text)])
    writer.writerow([])


def _problem(form: forms.Form, name: str, errors: list[str]) -> str:
    """"Label: error …" for a field's errors; the errors alone for the form's own."""
    text = " ".join(errors)
    return f"{form.fields[name].label}: {text}" if name in form.fields else text


def _notes(result: LayerResult, region: AreaRow | None = None) -> list[tuple[str, str]]:
    """The figures' notes; for a region, first which local authorities it is made of."""
    pairs = notes.figure_notes(result, selectors.directory_as_of())
    if region is not None:
        pairs.insert(0, ("area", notes.region_note(region, _within(layers.sort_results(result.areas, "name"), region))))
    return [(notes.NOTE_HEADINGS[key], text) for key, text in pairs]


def _fmt(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _whole(value: float) -> str:
    """A number of children as a whole number, half up: a count is one already, and the prevalence
    estimate (one in ten of them) has no meaningful tenth (1315.5 estimated children was written so)."""
    return str(Decimal(repr(round(value, 6))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _gaps_filename(chosen: Chosen, as_of: date | None) -> list[str]:
    """The layer, and any choice other than the default: a commissioner who downloads the local
    authorities and then the health boards (or capacity, or prevalence) gets two names, not one file
    and a "(1)" that the browser names for her. Then the directory's date, which the figures are of:
    this quarter's file and last quarter's had one name."""
    parts = ["gaps", chosen.layer.key.replace(":", "-")]
    parts += [value for name in ("view", "basis", "need") if (value := getattr(chosen, name)) != DEFAULTS[name]]
    return [*parts, *_dated(as_of)]


@require_safe
def data_csv(request: HttpRequest) -> HttpResponse:
    """The table as CSV; the first rows state source, period, method and limits."""
    form = GapsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _csv_refused(form)
    chosen = _chosen(form)
    version = selectors.directory_version()
    result = selectors.gaps_layer(layer=chosen.layer, basis=chosen.basis, need=chosen.need, version=version)
    rows, region_of = _rows_for_view(result, chosen.view, version)
    # Which local authorities have none, on each region's row (a region's figures, like the page's
    # map, would hide them) and on Wales's.
    no_provision = [la for la in layers.sort_results(result.areas, "name") if la.no_provision]
    none_in = {id(region): members for region, members in _no_provision_by_region(rows, no_provision, region_of)}
    none_in[id(result.wales)] = no_provision
    as_of = selectors.directory_as_of()
    response = _csv_attachment(*_gaps_filename(chosen, as_of))
    writer = csv.writer(response)
    columns = list(csv_columns.GAPS)
    _write_preamble(writer, [
        (_("Layer"), chosen.layer.label),
        *((notes.NOTE_HEADINGS[key], text) for key, text in notes.figure_notes(result, as_of)),
        (_("Web page"), notes.web_page("gaps:index", form.shown_query())),
        *csv_columns.column_rows(csv_columns.GAPS, columns, unit=notes.access_unit(result.basis, result.need)),
    ])
    writer.writerow(columns)
    for row in [*layers.sort_results(rows, "name"), result.wales]:
        writer.writerow([
            # Area names and codes as text: an imported feed may add an area (directory/oruk/importer.py).
            as_text_cell(row.code), as_text_cell(row.name), as_text_cell(row.name_cy), row.kind, _whole(row.demand),
            row.n_services, _fmt(row.per_10k, 4),
            _fmt(row.normalised, 4), "yes" if row.no_provision else "no", _fmt(row.median_wait, 1),
            "" if row.longest_wait is None else row.longest_wait, row.closed_lists,
            "yes" if row.all_lists_closed else "no",
            # Named in the file's language, as they are ordered (the name columns give both).
            as_text_cell("; ".join(f"{area_display_name(la.name, la.name_cy)} ({la.code})"
                                   for la in none_in.get(id(row), []))),
        ])
    return response


# On the headlines' links to the areas' pages: their back links return to the headlines (for the
# same region), not to the map, which a commissioner reading a region's headlines had not seen.
FROM_HEADLINES = "headlines"


def _area_back(request: HttpRequest, form: GapsForm, version: str) -> tuple[str, str]:
    """The area page's back link, and its words: to the headlines it was reached from, for their
    region (one of the regions, else Wales), or to the map as it was left (only valid choices)."""
    if request.GET.get("from") == FROM_HEADLINES:
        region = request.GET.get("region", "")
        known = region in {r.code for r in selectors.gaps_regions(version=version)}
        return (f"{reverse('gaps:headlines')}{'?' + urlencode({'region': region}) if known else ''}",
                _("Back to the headlines"))
    query = form.changed_query()
    return f"{reverse('gaps:index')}{'?' if query else ''}{query}", _("Back to the map")


@require_safe
def area(request: HttpRequest, code: str) -> HttpResponse:
    """One local authority: for each layer, the services that cover it, their waits, and Wales."""
    if not AREA_CODE.fullmatch(code) and not REGION_SLUG.fullmatch(code):
        # Not an area's code, so no area: never asked of the database, where PostgreSQL refuses a NUL
        # ("/gaps/area/%00/") with an error, not an empty answer.
        raise Http404(_("No such local authority"))
    if code == WALES_CODE:
        # The CSV's and the JSON's Wales row has a code as each area's does: Wales's figures are the
        # last row of the map's table (this said "page not found"). The map's choices are kept.
        query = request.GET.urlencode()
        return redirect(f"{reverse('gaps:index')}{'?' if query else ''}{query}#gaps-table")
    place = selectors.area_get(code=code)
    if place is None:
        region_kind = selectors.region_kind_get(code=code)
        if region_kind:
            # A health board's or safeguarding board's code: area pages are local authorities', and
            # the map's regional view has the region's figures (this said "page not found", which
            # suggests a service has closed). The map's other choices are kept.
            query = request.GET.copy()
            query["view"] = region_kind
            return redirect(f"{reverse('gaps:index')}?{query.urlencode()}#gaps-table")
        elsewhere = reference_data.gb_local_authority_name(code)
        if elsewhere and code[:1] in OUTSIDE_WALES:
            # Say what the figures cover, rather than the generic "page not found" (which suggests
            # a service has closed): the directory knows the name but holds nothing about the area.
            return render(request, "gaps/outside_wales.html", {
                "name": elsewhere, "where": OUTSIDE_WALES[code[:1]] % {"name": elsewhere}, "wales_only": notes.WALES_ONLY,
            }, status=404)
        raise Http404(_("No such local authority"))
    version = selectors.directory_version()
    # The map's choices this page was reached with (only valid ones): its figures are counted as the
    # map's were (a capacity map's 16 referrals a year per 10,000 children read as 0.23 here), and
    # its back link returns to the map as it was left.
    form = GapsForm(request.GET or None)
    chosen = _chosen(form)
    basis, need = chosen.basis, chosen.need
    sections = []
    for layer in [Layer(q) for q in layers.QUESTION_CODES] + [Layer("all", b) for b in layers.AGE_BAND_CODES]:
        result = selectors.gaps_layer(layer=layer, basis=basis, need=need, version=version)
        here = result.area(code)
        if here is None:  # a local authority with no population figure: nothing to compare
            continue
        services = sorted((result.services[i] for i in here.service_ids), key=lambda s: s.display_name)
        sections.append({"layer": layer, "area": here, "wales": result.wales, "services": services,
                         "bin": maps.bin_for(here)})
    if not sections:
        raise Http404(_("No figures for this area"))
    back_url, back_text = _area_back(request, form, version)
    return render(request, "gaps/area.html", {
        "place": place,
        # The need its figures divide by, where it is not the children counted: the estimate.
        "estimated": int(_whole(sections[0]["area"].demand)) if need == layers.NEED_PREVALENCE else None,
        "back_url": back_url,
        "back_text": back_text,
        "sections": sections,
        # The table against Wales: the questions, then children's support by age under its own heading.
        "question_rows": [s for s in sections if not s["layer"].band],
        "age_rows": [s for s in sections if s["layer"].band],
        # Each service once, with the questions it counts for (it was listed again under each question).
        "covering": coverage.covering_services((s["layer"], s["services"]) for s in sections),
        "coverage_columns": [heading for heading, _questions in coverage.COLUMNS],
        "uncovered": [s["layer"].label for s in sections if not s["services"]],
        "access_unit": notes.access_unit(basis, need),
        "notes": _notes(selectors.gaps_layer(layer=Layer(), basis=basis, need=need, version=version)),
    })


def _within(rows: list[AreaResult], region: AreaRow | None) -> list[AreaResult]:
    """The local authorities of a region (all of them for Wales)."""
    return rows if region is None else [row for row in rows if row.code in region.la_codes]


def _summaries(result: LayerResult, region: AreaRow | None) -> list[AreaResult]:
    """The rows under a table of local authorities: the region's (a demand-weighted mean, as on the
    map's regional view), then Wales's to compare with."""
    return [*layers.regional(result, [region]), result.wales] if region else [result.wales]


HEADLINE_QUESTIONS = ("all", "intra_familial", "parent_carer", "sibling", "welsh")


def _headlines_inputs(request: HttpRequest) -> tuple[RegionChoice, list[LayerResult]]:
    """The region form, and the headline questions' results (all support, intra-familial, parents and carers,
    siblings, support in Welsh)."""
    version = selectors.directory_version()
    form = RegionChoice(request.GET or None, regions=selectors.gaps_regions(version=version))
    return form, [selectors.gaps_layer(layer=Layer(question), version=version) for question in HEADLINE_QUESTIONS]


@require_safe
def headlines(request: HttpRequest) -> HttpResponse:
    """The study's questions: intra-familial against all support, family support, support in Welsh,
    waits; for Wales or for one region's local authorities."""
    form, (every, intra, parents, siblings, welsh) = _headlines_inputs(request)
    region = form.chosen_region()
    areas = _within(layers.sort_results(every.areas, "name"), region)
    family = [{"area": a, "parents": parents.area(a.code), "siblings": siblings.area(a.code)} for a in areas]
    family.sort(key=lambda r: (r["parents"].n_services > 0) + (r["siblings"].n_services > 0))
    # Children's services offering support in Welsh against all children's services: none first.
    in_welsh = [{"area": a, "welsh": welsh.area(a.code)} for a in areas]
    in_welsh.sort(key=lambda r: r["welsh"].n_services > 0)
    every_sum, intra_sum = _summaries(every, region), _summaries(intra, region)
    return render(request, "gaps/headlines.html", {
        "form": form,
        "region": region,
        "ratios": [r for r in layers.intra_familial_ratio(intra, every) if region is None or r.area.code in region.la_codes],
        "ratio_summaries": [layers.RatioRow(i, a.access) for i, a in zip(intra_sum, every_sum, strict=True)],
        "intra_none": _within([a for a in layers.sort_results(intra.areas, "name") if a.no_provision], region),
        "family": family,
        "family_summaries": [
            {"area": a, "parents": p, "siblings": s}
            for a, p, s in zip(every_sum, _summaries(parents, region), _summaries(siblings, region), strict=True)
        ],
        "parents_none": _within([a for a in layers.sort_results(parents.areas, "name") if a.no_provision], region),
        "siblings_none": _within([a for a in layers.sort_results(siblings.areas, "name") if a.no_provision], region),
        "in_welsh": in_welsh,
        "in_welsh_summaries": [{"area": a, "welsh": w} for a, w in zip(every_sum, _summaries(welsh, region), strict=True)],
        "welsh_none": _within([a for a in layers.sort_results(welsh.areas, "name") if a.no_provision], region),
        "waits": _within(layers.sort_results(every.areas, "-wait"), region),
        "wait_summaries": every_sum,
        "all_closed": _within([a for a in layers.sort_results(every.areas, "name") if a.all_lists_closed], region),
        "every": every,
        "notes": _notes(every, region),
        "query": urlencode({"region": region.code}) if region else "",
        # On the links to the areas' pages, for their back links.
        "area_query": urlencode({"from": FROM_HEADLINES, **({"region": region.code} if region else {})}),
    })


@require_safe
def headlines_csv(request: HttpRequest) -> HttpResponse:
    """The headlines' figures as CSV, one row per area (the region's local authorities by name, then
    the region and Wales); the first rows say what the file is for and its source, period, method
    and limits."""
    form, results = _headlines_inputs(request)
    if form.is_bound and not form.is_valid():
        return _csv_refused(form)
    region = form.chosen_region()
    every = results[0]
    codes = [a.code for a in _within(layers.sort_results(every.areas, "name"), region)]
    # Each area's row in each question's result: local authorities, then the region's and Wales's.
    by_question = [[*(result.area(code) for code in codes), *_summaries(result, region)] for result in results]
    # The directory's date, as the map's table's file has it.
    as_of = selectors.directory_as_of()
    response = _csv_attachment("headlines", region.code if region else "wales", *_dated(as_of))
    writer = csv.writer(response)
    columns = list(csv_columns.HEADLINES)
    _write_preamble(writer, [
        (_("Figures for"), _region_name(region)), *_notes(every, region),
        (_("Web page"), notes.web_page("gaps:headlines", urlencode({"region": region.code}) if region else "")),
        *csv_columns.column_rows(csv_columns.HEADLINES, columns),
    ])
    writer.writerow(columns)
    for row, intra, parents, siblings, welsh in zip(*by_question, strict=True):
        ratio = layers.RatioRow(intra, row.access).ratio
        writer.writerow([
            as_text_cell(row.code), as_text_cell(row.name), as_text_cell(row.name_cy), row.kind,
            intra.n_services, _fmt(intra.per_10k, 4), _fmt(row.per_10k, 4), _fmt(ratio, 4),
            parents.n_services, _fmt(parents.normalised, 4), siblings.n_services, _fmt(siblings.normalised, 4),
            welsh.n_services, _fmt(welsh.normalised, 4), row.n_services, _fmt(row.median_wait, 1), "" if row.longest_wait is None else row.longest_wait,
            row.closed_lists, "yes" if row.all_lists_closed else "no",
        ])
    return response


def _unmet_inputs(request: HttpRequest) -> tuple[UnmetForm, unmet.UnmetReport, AreaRow | None]:
    """The quarter and region form, the report as the region's page shows it (None: Wales's), and the region.

    The report is suppressed with every region's row whichever is chosen (`unmet.report_build`),
    and a quarter that has ended is kept in the cache (`unmet.unmet_report`)."""
    regions = selectors.gaps_regions()
    today = timezone.localdate()
    form = UnmetForm(request.GET or None, months=selectors.unmet_months(), today=today, regions=regions)
    region = form.chosen_region()
    report = unmet.unmet_report(months=form.chosen_months(), regions=list(form.regions.values()), today=today)
    return form, unmet.within_region(report, region), region


def _unmet_notes(quarter: date | None, region: AreaRow | None) -> list[tuple[str, str]]:
    """The unmet figures' notes; for a region, first which local authorities it is made of."""
    pairs = notes.unmet_notes(quarter)
    if region is not None:
        members = sorted((area_display_name(name, name_cy) for code, name, name_cy, _children
                          in selectors.local_authority_list() if code in region.la_codes), key=str.casefold)
        pairs.insert(0, ("area", notes.unmet_region_note(region, members)))
    return [(str(notes.NOTE_HEADINGS[key]), text) for key, text in pairs]


@require_safe
def unmet_page(request: HttpRequest) -> HttpResponse:
    """Searches that found no service covering the child's area, suppressed for small numbers; for
    Wales or for one region's local authorities."""
    form, report, region = _unmet_inputs(request)
    quarter = form.chosen_quarter()
    shown_for = [area_display_name(region.name, region.name_cy)] if region else []
    return render(request, "gaps/unmet.html", {
        "form": form, "report": report, "quarter": quarter, "quarter_key": quarter_key(quarter) if quarter else "",
        "shown_for": ", ".join([*shown_for, *([quarter_label(quarter)] if quarter else [])]),
        "region": region, "n_las": len(report.breakdowns[0].rows),
        "notes": _unmet_notes(quarter, region),
        # At the foot of each printed sheet: the notes' period, without its why, which took a third line.
        "print_period": _("Searches in %(quarter)s.") % {"quarter": quarter_label(quarter)} if quarter
        else _("No quarter that has ended holds any counted searches yet."),
        "query": form.shown_query(),
    })


@require_safe
def unmet_csv(request: HttpRequest) -> HttpResponse:
    """The unmet tables as CSV, suppressed as the page is (for a region: its local authorities, its
    own row and Wales's; the other breakdowns for Wales); the first rows say what the figures are
    for, and their source, period, limits and suppression."""
    form, report, region = _unmet_inputs(request)
    if form.is_bound and not form.is_valid():
        return _csv_refused(form)
    quarter = form.chosen_quarter()
    # The quarter in the name too: files of two quarters must not be taken for one; and the region's
    # code, as the headlines' files have it.
    parts = [*([quarter_key(quarter)] if quarter else []), *([region.code] if region else [])]
    response = _csv_attachment("unmet-searches", *parts)
    writer = csv.writer(response)
    columns = ["breakdown", "code", "label", *[code for code, _label in report.columns], "total", "per_10000_children"]
    _write_preamble(writer, [
        (_("Figures for"), _region_name(region)), *_unmet_notes(quarter, region), ("[c]", _("Hidden cells show [c].")),
        (_("Web page"), notes.web_page("gaps:unmet", form.shown_query())),
        *csv_columns.column_rows(csv_columns.unmet_descriptions(report.columns), columns),
    ])
    writer.writerow(columns)
    for breakdown in report.breakdowns:
        for row in breakdown.rows:
            # Area names as text: an imported feed may add an area (directory/oruk/importer.py).
            writer.writerow([breakdown.key, as_text_cell(row.code), as_text_cell(row.label),
                             *[c.text for c in row.cells], row.total.text, row.rate.text if row.rate else ""])
        for row in breakdown.summaries:
            writer.writerow([*_unmet_summary_names(breakdown.key, row, region), *[c.text for c in row.cells],
                             row.total.text, row.rate.text if row.rate else ""])
    return response


def _unmet_summary_names(breakdown: str, row: unmet.UnmetRow, region: AreaRow | None) -> list[str]:
    """A row under a table's rows, named in the CSV: a region's row by its kind, not as a local
    authority (a script adding up the "lad_code" rows would count its searches twice); under a
    region's local authorities, Wales's row as Wales (it was "Total", of rows that add up to less);
    else the total, with its English label in both languages."""
    if region and row.code == region.code:
        return [region.kind, as_text_cell(row.code), as_text_cell(row.label)]
    if region and breakdown == "lad_code":
        return ["nation", WALES_CODE, str(row.label)]
    return [breakdown, as_text_cell(row.code), "Total"]


def _trends_form(request: HttpRequest) -> TrendsForm:
    version = selectors.directory_version()
    return TrendsForm(request.GET or None, snapshots=list(selectors.snapshot_list()),
                      regions=selectors.gaps_regions(version=version))


def _trends_table(form: TrendsForm) -> dict:
    """What the trends page and its CSV show: the rows (the region's local authorities, or every
    one), the rows under them (the region, Wales), the dates compared and the notes."""
    chosen = form.chosen()
    region = form.chosen_region()
    layer = chosen["layer"]
    # "then" and "to" as compared (a backwards pair swapped), for the form to show, not as asked.
    table = {"layer": layer, "region": region, "rows": [], "summaries": [], "then": chosen["from"], "to": chosen["to"],
             "notes": []}
    if chosen["from"] is None:  # no snapshot yet
        return table
    current = selectors.gaps_layer(layer=layer)
    summaries = _summaries(current, region)
    before = _snapshot_figures(chosen["from"], layer, region)
    if chosen["to"] is None:
        now = {a.code: a for a in [*current.areas, *summaries]}
        table["now_label"] = _("now")
    else:
        now = _snapshot_figures(chosen["to"], layer, region)
        table["now_label"] = date_format(chosen["to"].taken_on, "j F Y")
    table["rows"] = [_trend_row(row, before, now) for row in _within(layers.sort_results(current.areas, "name"), region)]
    table["summaries"] = [_trend_row(row, before, now) for row in summaries]
    period = _trends_period(chosen["from"], chosen["to"])
    # The notes' method (its count of services) is the later column's, and says the earlier one's:
    # today's count under two past snapshots was a figure from neither.
    later = current if chosen["to"] is None else selectors.snapshot_layer(snapshot=chosen["to"], layer=layer)
    earlier = len(selectors.snapshot_layer(snapshot=chosen["from"], layer=layer).services)
    counted_then = ngettext("The snapshot dated %(then)s counted %(n)s service.",
                            "The snapshot dated %(then)s counted %(n)s services.", earlier) % {
        "then": date_format(chosen["from"].taken_on, "j F Y"), "n": earlier}
    table["notes"] = [
        (h, period if h == notes.NOTE_HEADINGS["period"] else f"{t} {counted_then}" if h == notes.NOTE_HEADINGS["method"]
         else t)
        for h, t in _notes(later, region)
    ]
    return table


def _trends_query(table: dict) -> str:
    """The choices the page shows, for its CSV link: the file is the table on screen."""
    layer, then, to, region = table["layer"], table["then"], table["to"], table["region"]
    query = {"layer": layer.question, "age": layer.band, "region": region.code if region else "",
             "then": then.taken_on.isoformat() if then else "", "now": to.taken_on.isoformat() if to else ""}
    return urlencode({name: value for name, value in query.items() if value})


@require_safe
def trends(request: HttpRequest) -> HttpResponse:
    """Access and median wait per area, then (a snapshot) and now (or a later snapshot), for Wales
    or for one region's local authorities."""
    form = _trends_form(request)
    table = _trends_table(form)
    return render(request, "gaps/trends.html", {
        "form": form, "snapshots": form.snapshots, **table, "query": _trends_query(table),
    })


@require_safe
def trends_csv(request: HttpRequest) -> HttpResponse:
    """The trends table as CSV; the first rows say what was compared, and the source, period,
    method and limits."""
    form = _trends_form(request)
    if form.is_bound and not form.is_valid():
        return _csv_refused(form)
    table = _trends_table(form)
    if table["then"] is None:
        return HttpResponse(_("No snapshots have been taken yet, so there is nothing to compare."), status=404,
                            content_type="text/plain; charset=utf-8")
    layer, region, then, to = table["layer"], table["region"], table["then"], table["to"]
    parts = [layer.key.replace(":", "-"), *([region.code] if region else []), then.taken_on.isoformat(),
             to.taken_on.isoformat() if to else "now"]
    response = _csv_attachment("trends", *parts)
    writer = csv.writer(response)
    against = _("against")
    _write_preamble(writer, [
        (_("Layer"), layer.label), (_("Figures for"), _region_name(region)),
        (_("Compared"), f"{date_format(then.taken_on, 'j F Y')} {against} {table['now_label']}"), *table["notes"],
        (_("Web page"), notes.web_page("gaps:trends", _trends_query(table))),
        *csv_columns.column_rows(csv_columns.TRENDS, list(csv_columns.TRENDS)),
    ])
    writer.writerow(list(csv_columns.TRENDS))
    for row in [*table["rows"], *table["summaries"]]:
        writer.writerow([
            as_text_cell(row["code"]), as_text_cell(row["name"]), as_text_cell(row["name_cy"]), row["kind"],
            "" if row["then_services"] is None else row["then_services"],
            "" if row["now_services"] is None else row["now_services"],
            _fmt(row["then"], 4), _fmt(row["now"], 4), _csv_change(row),
            _fmt(row["then_wait"], 1), _fmt(row["now_wait"], 1), _yes_no(row["then_none"]), _yes_no(row["now_none"]),
        ])
    return response


def _csv_change(row: dict) -> str:
    change = _change(row["then"], row["now"], _shown_in_the_csv)
    return "" if change is None else f"{change:.4f}"


def _snapshot_figures(snapshot: Snapshot, layer: Layer, region: AreaRow | None) -> dict[str, object]:
    """Area code → a snapshot's figures: as stored for each local authority and Wales, and for a
    region made from the snapshot's own services as today's region is from today's."""
    figures: dict[str, object] = dict(selectors.snapshot_access(snapshot=snapshot, layer=layer))
    # None stored: a layer added after the snapshot was taken (its services' answers were not recorded),
    # so its region shows "–" like its local authorities, not a figure made from unknowns.
    if region is not None and figures:
        figures[region.code] = layers.regional(selectors.snapshot_layer(snapshot=snapshot, layer=layer), [region])[0]
    return figures


def _trends_period(then: Snapshot, to: Snapshot | None) -> str:
    """Both columns' dates: the snapshot's (and a later one's, or the directory's today), and the
    day a snapshot was really taken where it was filed under another (`take_gaps_snapshot --date`):
    its figures are the directory on the day it was taken."""
    def day(value: date) -> str:
        return date_format(value, "j F Y")

    if to is None:
        as_of = selectors.directory_as_of()
        period = _("Snapshot dated %(then)s, against the directory as it stood on %(now)s (waiting times: each "
                   "service's latest report). Children: Census day, 21 March 2021.") % {
            "then": day(then.taken_on), "now": day(as_of) if as_of else _("no services yet")}
    else:
        period = _("Snapshots dated %(then)s and %(now)s. Children: Census day, 21 March 2021.") % {
            "then": day(then.taken_on), "now": day(to.taken_on)}
    for snapshot in (then, to):
        if snapshot is not None and timezone.localdate(snapshot.created_at) != snapshot.taken_on:
            period += " " + _("The snapshot dated %(label)s was taken on %(taken)s, so it shows the directory as it "
                              "stood that day.") % {"label": day(snapshot.taken_on),
                                                    "taken": day(timezone.localdate(snapshot.created_at))}
    return period


def _shown_on_the_page(value: float) -> Decimal:
    """A figure as the trends table shows it (`floatformat:2`: half up, from its shortest repr)."""
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _shown_in_the_csv(value: float) -> Decimal:
    """A figure as the trends CSV writes it (`_fmt(value, 4)`)."""
    return Decimal(_fmt(value, 4))


def _change(then: float | None, now: float | None, shown: Callable[[float], Decimal]) -> Decimal | None:
    """Now less then, of the figures as shown: a table of 0.45 then and 0.44 now read a change of -0.02
    (0.4372 less 0.4534), which no reader could make of the figures beside it."""
    if then is None or now is None:
        return None
    return shown(now) - shown(then)


def _trend_row(area_row: AreaResult, before: dict, now: dict) -> dict:
    """One area's figures then and now (a stored snapshot row or a computed result: both have
    access, median_wait and n_services); "–" where the area has none on one side."""
    b, n = before.get(area_row.code), now.get(area_row.code)
    then_10k = b.access * 10_000 if b else None
    now_10k = n.access * 10_000 if n else None
    change = _change(then_10k, now_10k, _shown_on_the_page)
    return {
        "code": area_row.code, "name": area_row.name, "name_cy": area_row.name_cy, "kind": area_row.kind,
        "then": then_10k, "now": now_10k,
        # "No provision" where no service reached the area on that date (None: no figure then).
        "then_none": None if b is None else b.access == 0, "now_none": None if n is None else n.access == 0,
        "change": change,
        # "+" only on a rise the table shows: a rise of 0.0003 read "+0.00" (and a fall as much "0.00").
        "rise": change is not None and change > 0,
        "then_wait": b.median_wait if b else None, "now_wait": n.median_wait if n else None,
        "then_services": b.n_services if b else None, "now_services": n.n_services if n else None,
    }
