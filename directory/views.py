from __future__ import annotations

import dataclasses
from urllib.parse import quote, urlsplit
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import conditional_escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from directory import (
    a_to_z,
    boundaries,
    control_characters,
    map_shapes,
    postcode_privacy,
    result_cards,
    results_html,
    search_cache,
    search_page,
    selectors,
    version,
)
from directory.back_to_search import back_to_search, forget_back_to_search, keep_back_to_search
from directory.bilingual import paths_in_every_language, text_in_its_language
from directory.boundaries import la_boundaries, wales_backdrop
from directory.forms import MAX_QUERY_STRING, QUERY_TOO_LONG, SearchForm
from directory.maps import build_coverage_map, build_search_map, search_map_groups
from directory.models import Service
from directory.pagination import ELLIPSIS, page_items
from directory.shortlist import (
    MAX_ITEMS,
    parse_shared_ids,
    shortlist_add,
    shortlist_clear,
    shortlist_ids,
    shortlist_merge,
    shortlist_remove,
)
from gaps.services import record_unmet_search
from gaps.vocabulary import classify_unmet
from servicemap import rate_limits


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/home.html")


def about_data(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/about_data.html")


@require_safe
def services_a_to_z(request: HttpRequest) -> HttpResponse:
    """Published services by name, one letter a page (directory/a_to_z.py says why not a name search)."""
    index = a_to_z.letter_index()
    counts = index.counts
    choice = a_to_z.parse_letter(request.GET.get("letter"), counts)
    paginator = Paginator(a_to_z.service_list_by_letter(letter=choice.letter, index=index), a_to_z.PAGE_SIZE)
    # An empty letter still has one (empty) page, so the page number check below always has one.
    number, page_notice = _page_number(request.GET.get("page"), max(paginator.num_pages, 1))
    page = paginator.get_page(number)
    return render(request, "directory/services_a_to_z.html", {
        "letters": [{"letter": letter, "label": a_to_z.letter_label(letter), "count": counts.get(letter, 0)}
                    for letter in a_to_z.letters_shown(counts)],
        "letter": choice.letter, "letter_label": a_to_z.letter_label(choice.letter),
        "notice": choice.notice or page_notice, "page": page,
        "page_items": page_items(paginator, page.number) if paginator.num_pages > 1 else [], "ellipsis": ELLIPSIS,
    })


def _service_url(service: Service) -> str:
    return reverse("directory:service_detail", args=[service.public_id])


def _map_options() -> dict:
    # Without base tiles, faint local authority lines give the points somewhere to be.
    backdrop = [] if settings.MAP_TILES_URL else wales_backdrop()
    return {"tiles_url": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION, "backdrop": backdrop,
            "shapes_url": boundaries.shapes_url()}


@require_safe
def area_shapes(request: HttpRequest, digest: str) -> HttpResponse:
    """The local authorities' shapes every map draws from (directory/boundaries.py), kept by browsers
    for a year (directory/map_shapes.file_response)."""
    return map_shapes.file_response(request, boundaries.la_shapes(), digest)


def _same_page(request: HttpRequest, query: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)


def _page_number(raw: str | None, num_pages: int) -> tuple[int | str | None, str]:
    """The page to show, and a notice when the one asked for does not exist."""
    if raw is None:
        return 1, ""
    if not raw.isdigit() or int(raw) < 1:
        return 1, _("There is no page “%(page)s”; showing the first page.") % {"page": raw[:20]}
    if int(raw) > num_pages:
        notice = ngettext(
            "There is only %(count)s page of results; showing it.",
            "There are only %(count)s pages of results; showing the last one.", num_pages,
        )
        return num_pages, notice % {"count": num_pages}
    return int(raw), ""


@control_characters.handled_in_view  # with a full postcode's cut, in one redirect
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """The social workers' search: form, then results grouped by coverage, as a list or a map."""
    on_shortlist = shortlist_ids(request.session)
    context: dict = {"shortlisted": set(on_shortlist)}
    # Checked before request.GET is parsed: a huge query string is refused, not a 500.
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        # The version keys the cached local authority options (search_form.html), here as on results.
        context.update(form=SearchForm(), query_too_long=QUERY_TOO_LONG, directory_version=version.current())
        return render(request, "directory/search.html", context, status=400)
    if not request.GET:
        response = render(request, "directory/search.html",
                          {**context, "form": SearchForm(), "directory_version": version.current()})
        forget_back_to_search(request, response)  # the form cleared: as last-search.js forgets it
        return response
    if (cleaned := control_characters.query_without(request.GET)) is not None:
        # Before the cache, the form or the page sees the address (directory/control_characters.py);
        # a full postcode is cut in the same step: one redirect, and the full postcode never sent
        # to an address of its own.
        cut = postcode_privacy.cut_query(QueryDict(cleaned))
        return _same_page(request, cleaned if cut is None else cut)
    if (cut := postcode_privacy.cut_query(request.GET)) is not None:
        # Before the cache sees the address (its key is made from it) or anything else reads it.
        return HttpResponseRedirect(f"{request.path}?{cut}")
    directory_version, generation = version.current_with_generation()
    found, held = _cached_results(request, directory_version, generation)
    if found is None:
        found = _search_results(request, context, directory_version, generation)
        if isinstance(found, HttpResponse):
            return found  # the form's errors: not cached
        search_cache.keep(request, generation, found, held=held)
    if (found.unmet is not None and request.method == "GET" and not request.GET.get("page")
            and request.GET.get("view") != "map" and _opened_as_a_page(request)
            and rate_limits.wait_before("unmet_count", request, settings.UNMET_COUNT_RATE) is None):
        # A new search (not paging or the map of the same one) whose results hold nothing
        # covering the child's area is counted, as an aggregate only, for the gaps module,
        # whether or not its page came from the cache. Not a HEAD request: link checkers and
        # uptime monitors ask for headers only, and are not someone looking for support. Nor
        # past UNMET_COUNT_RATE from one client: the published figures are not a script's to write.
        record_unmet_search(month=timezone.localdate(), **found.unmet)
    return search_page.render_search(
        request, results_html=search_cache.fill(found.parts, request, context["shortlisted"]),
        title=found.title, shortlisted=context["shortlisted"], shortlist_count=len(on_shortlist),
        directory_version=directory_version,
    )


@require_safe
def postcode_units(request: HttpRequest) -> JsonResponse:
    """The unit postcodes whose sector alone would not give their local authority, for the search
    form's script to cut a full postcode without sending it (postcode_privacy.py). The same for
    everyone: fetching it says nothing about a search."""
    _version, generation = version.current_with_generation()
    response = JsonResponse({"sectors": postcode_privacy.units_needing_authority(generation)},
                            json_dumps_params={"separators": (",", ":")})
    # Changes only when the postcode tables are reloaded: a day old is still right for nearly all.
    patch_cache_control(response, public=True, max_age=86400)
    return response


def _opened_as_a_page(request: HttpRequest) -> bool:
    """Whether the browser asked for the search as a page to show, not as an image, frame or
    script another site's page embeds: such a page could make each of its visitors' browsers add
    unmet searches to the published figures. Browsers say so in Sec-Fetch-Dest; one that sends
    none (older, or not a browser) is taken at its word, within UNMET_COUNT_RATE."""
    return request.headers.get("Sec-Fetch-Dest", "document") == "document"


def _cached_results(
    request: HttpRequest, directory_version: str, generation: str,
) -> tuple[search_cache.CachedSearch | None, object]:
    """This search's cached page if it is current: cached at this version, or at an earlier one
    with the same services weighed, none of them changed since (search_cache says why); and what
    the cache held under its key (`search_cache.keep`)."""
    found, held = search_cache.look_up(request, generation)
    if found is None or found.version == directory_version:
        return found, held
    now = selectors.candidates_digest(lad_code=found.lad_code, point=found.point,
                                      directory_version=directory_version, generation=generation)
    if now != found.candidates:
        return None, held
    found = dataclasses.replace(found, version=directory_version)
    search_cache.save(request, generation, found)  # the next request need not check again
    return found, held


def _search_results(
    request: HttpRequest, page_context: dict, directory_version: str, generation: str,
) -> search_cache.CachedSearch | HttpResponse:
    """Run the search and render its results and form for the cache (the page with the form's
    errors, status 400, if it is not valid)."""
    form = SearchForm(request.GET, directory_version=directory_version)
    if not form.is_valid():
        return render(request, "directory/search.html", {**page_context, "form": form}, status=400)
    # Light results: counts, grouping, sort and exclusions need no more; the page (or the map)
    # shown gets what it draws below.
    outcome = selectors.service_search(**form.search_kwargs(), hydrate=False, directory_version=directory_version,
                                      generation=generation)
    paginator = Paginator(outcome.results, selectors.PAGE_SIZE)
    number, page_notice = _page_number(request.GET.get("page"), paginator.num_pages)
    view = "map" if request.GET.get("view") == "map" else "list"
    if view == "map":
        page_notice = ""  # the map shows every result: which page the list was on does not matter
    page = paginator.get_page(number)
    if view == "list":
        # Full services only for the cards not cached yet: the rest of a card reads the light row.
        result_cards.attach(page.object_list, hydrate=selectors.search_results_hydrate, generation=generation)
    holes = search_cache.Holes()
    map_html, mapped_count, mapped_groups = "", 0, []
    if view == "map":
        mapped = selectors.search_results_for_map(outcome.results)
        mapped_count, mapped_groups = len(mapped), search_map_groups(mapped)  # the key names what the map draws
        map_html = build_search_map(
            results=mapped, outline=la_boundaries([outcome.area.code]), service_url=_service_url,
            in_wales=outcome.area.in_wales, **_map_options(),
        )
    # Built in Python as search_results.html renders it (directory/results_html.py says why).
    html = results_html.search_results_html(
        request, form=form, outcome=outcome, page=page, page_notice=page_notice, view=view, holes=holes,
        directory_version=directory_version, map_html=map_html, mapped_count=mapped_count,
        mapped_groups=mapped_groups,
    )
    return search_cache.CachedSearch(
        title=_results_title(outcome, page if view == "list" else None, on_map=view == "map"), parts=holes.split(html),
        unmet=_unmet_cell(form, outcome),
        version=directory_version, lad_code=form.place.lad_code, point=form.place.point, candidates=outcome.candidates,
    )


def _results_title(outcome: selectors.SearchOutcome, page: Page | None, *, on_map: bool = False) -> str:
    """The page's title, what a screen reader says first as the results open: the number found and
    where, and the page of a list on more than one (the page's h1 is the same for every search), or
    that they are on a map (the "Map" link opened a page titled as the list was)."""
    found = len(outcome.results)
    title = ngettext(
        "%(count)s service found for a child in %(area)s", "%(count)s services found for a child in %(area)s", found,
    ) % {"count": found, "area": outcome.area.name}
    if on_map:
        return _("%(title)s, on a map") % {"title": title}
    if page is None or page.paginator.num_pages < 2:
        return title
    return _("%(title)s (page %(number)s of %(pages)s)") % {
        "title": title, "number": page.number, "pages": page.paginator.num_pages,
    }


def _unmet_cell(form: SearchForm, outcome: selectors.SearchOutcome) -> dict | None:
    """What the unmet-demand counter records for this search, or None if it is not counted."""
    classified = classify_unmet(local_matches=outcome.local_count, local_failures=outcome.local_failures)
    if classified is None or not outcome.area.code.startswith("W06"):
        return None
    excluded_by, reason = classified
    age = form.cleaned_data.get("age")
    return {
        "lad_code": outcome.area.code, "abuse_forms": list(form.cleaned_data.get("abuse_form") or []),
        "age": float(age) if age is not None else None, "excluded_by": excluded_by, "reason": reason,
    }


@require_safe
def service_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    try:
        service = selectors.service_get(public_id=public_id)
    except Service.DoesNotExist as exc:
        raise Http404(_("No service has that address.")) from exc
    areas = la_boundaries(selectors.covered_local_authority_codes(service))
    locations = selectors.public_locations(service)
    back = back_to_search(request)
    response = render(request, "directory/service_detail.html", {
        "service": service,
        "wait": selectors.current_wait(service),
        "reported_waits": selectors.reported_waits(service),
        "public_sites": [s.location for s in service.all_sites if not s.location.do_not_publish_address],
        "hidden_sites": [s.location for s in service.all_sites if s.location.do_not_publish_address],
        "map_html": build_coverage_map(service=service, areas=areas, locations=locations, **_map_options()),
        "bases_mapped": bool(locations),  # the key names only what the map draws
        "shortlisted": set(shortlist_ids(request.session)),
        "back_to_search": back.url,
    })
    keep_back_to_search(request, response, back)
    return response


# --- shortlist ------------------------------------------------------------------------------


class ShortlistChangeForm(forms.Form):
    service = forms.UUIDField()
    next = forms.CharField(required=False)


def _back_to(request: HttpRequest, raw: str, anchor: str = "") -> HttpResponseRedirect:
    """Back to the page the button was on (same site only, query kept), else the shortlist."""
    safe = (
        raw.startswith("/") and len(raw) <= MAX_QUERY_STRING + 100
        and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    )
    target = raw if safe else reverse("directory:shortlist")
    return redirect(f"{target}#{anchor}" if anchor else target)


def _change_form(request: HttpRequest) -> ShortlistChangeForm | HttpResponse:
    form = ShortlistChangeForm(request.POST)
    if not form.is_valid():
        return render(request, "directory/shortlist_error.html", {"form": form}, status=400)
    return form


# Each language's name: the message marks an English name shown on a Welsh page (`_naming`).
_NAMES = tuple(f"name_{code}" for code, _name in settings.LANGUAGES)


def _naming(message: str, service: Service) -> SafeString:
    """A message naming a service, in a `<span lang="en">` where its English name stands in on a
    Welsh page: the banner is announced (role="alert"), and a screen reader read "Gwynedd sibling
    support" inside the Welsh sentence with Welsh sounds. The message is escaped, then the name
    (escaped by `text_in_its_language`) put in; messages keep it as HTML (Django's encoder)."""
    return mark_safe(conditional_escape(message) % {"name": text_in_its_language(service, "name")})


@require_POST
def shortlist_add_view(request: HttpRequest) -> HttpResponse:
    form = _change_form(request)
    if isinstance(form, HttpResponse):
        return form
    public_id = form.cleaned_data["service"]
    service = Service.objects.published().filter(public_id=public_id).only(*_NAMES).first()
    if service is None:
        raise Http404(_("No service has that address."))
    if not shortlist_add(request.session, public_id):
        messages.warning(request, _("Your shortlist is full (%(max)s services).") % {"max": MAX_ITEMS})
        # The top of the page, where that is said: back at the card's button nothing showed that
        # the tap had failed (the button still offers to add it).
        return _back_to(request, form.cleaned_data["next"])
    messages.success(request, _naming(_("%(name)s is on your shortlist."), service))
    return _back_to(request, form.cleaned_data["next"], f"shortlist-{public_id}")


@require_POST
def shortlist_remove_view(request: HttpRequest) -> HttpResponse:
    form = _change_form(request)
    if isinstance(form, HttpResponse):
        return form
    public_id = form.cleaned_data["service"]
    before = shortlist_ids(request.session)
    shortlist_remove(request.session, public_id)
    service = Service.objects.published().filter(public_id=public_id).only(*_NAMES).first()
    if service is not None:
        messages.success(request, _naming(_("%(name)s is no longer on your shortlist."), service))
    anchor = f"shortlist-{public_id}"
    if _is_the_shortlist(form.cleaned_data["next"]) and public_id in before:
        # Its card has gone from the shortlist: come back to the next one's button (or the one
        # before), not to the top of a long list.
        position = before.index(public_id)
        neighbours = before[position + 1:position + 2] or before[max(position - 1, 0):position]
        anchor = f"shortlist-{neighbours[0]}" if neighbours else ""
    return _back_to(request, form.cleaned_data["next"], anchor)


def _is_the_shortlist(path: str) -> bool:
    """Whether `path` is the shortlist page, in any language."""
    return urlsplit(path).path in paths_in_every_language("directory:shortlist")


@require_POST
def shortlist_load_view(request: HttpRequest) -> HttpResponse:
    """Add a shared list (ids only) to your own shortlist."""
    ids, _invalid = parse_shared_ids(request.POST.get("ids", "")[: MAX_QUERY_STRING * 2])
    found = [s.public_id for s in selectors.service_list_by_public_ids(public_ids=ids)]
    left_out = shortlist_merge(request.session, found)
    if left_out:
        # The shared link is not lost: it is the page before this one.
        messages.warning(request, ngettext(
            "Your shortlist is full (%(max)s services): %(count)s of the shared services was not added. Remove "
            "some from your shortlist, then go back to the shared list and add it again.",
            "Your shortlist is full (%(max)s services): %(count)s of the shared services were not added. Remove "
            "some from your shortlist, then go back to the shared list and add it again.",
            left_out,
        ) % {"max": MAX_ITEMS, "count": left_out})
    else:
        messages.success(request, _("The shared services are on your shortlist."))
    return redirect("directory:shortlist")


@require_http_methods(["GET", "HEAD", "POST"])
def shortlist_clear_view(request: HttpRequest) -> HttpResponse:
    """Asks first (a list of 20 services is gone in one tap otherwise), then empties the shortlist."""
    if request.method != "POST":
        count = len(shortlist_ids(request.session))
        if not count:
            return redirect("directory:shortlist")  # nothing to empty: it says so
        return render(request, "directory/shortlist_clear.html", {"count": count})
    shortlist_clear(request.session)
    # What was done; the page beneath says it is empty and what to do next (both said "… is empty").
    messages.success(request, _("Your shortlist has been emptied."))
    return redirect("directory:shortlist")


def _shortlist_entries(services: list[Service]) -> list[dict]:
    return [
        {"service": s, "wait": (w := selectors.current_wait(s)), "accepting": selectors.accepting_referrals(s, w),
         "locations": selectors.public_locations(s), "page_url": _public_url(s)}
        for s in services
    ]


def _public_url(service: Service) -> str:
    """The service page's full address, printed in the referral pack so paper leads back to the live
    listing. From `SITE_URL`, as emails' links are, not the request's host: a pack printed from a
    staging or internal address must still send its reader to the public site."""
    return settings.SITE_URL.rstrip("/") + reverse("directory:service_detail", args=[service.public_id])


def _share_email(share_url: str) -> str:
    """A mailto: address that opens a new email holding the list's link, for a colleague or one's own
    work inbox: on a phone, copying the link out of its box took a long press and a menu. The link
    holds the services only; nothing about the child goes into the email."""
    subject = _("Referral options from servicemap")
    intro = _("Referral options from servicemap, each with its criteria and current waiting time:")
    body = intro + "\r\n\r\n" + share_url  # line breaks as CRLF, as RFC 6068 asks of a mailto: body
    return f"mailto:?subject={quote(subject)}&body={quote(body)}"


@require_safe
def shortlist(request: HttpRequest) -> HttpResponse:
    """Your shortlist as a printable referral pack, or (with ?ids=) a shared one, read-only."""
    shared = "ids" in request.GET
    invalid = 0
    if shared:
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING * 2:
            return render(request, "directory/shortlist.html", {"too_long": True, "shared": True}, status=400)
        # Every ids= in the address: two shared links run together ("…?ids=a&ids=b") are both lists,
        # where GET.get took the last alone and said nothing of the first.
        ids, invalid = parse_shared_ids(",".join(request.GET.getlist("ids")))
    else:
        ids = shortlist_ids(request.session)
    services = selectors.service_list_by_public_ids(public_ids=ids)
    found = [s.public_id for s in services]
    back = back_to_search(request)
    share_url = request.build_absolute_uri(
        reverse("directory:shortlist") + "?ids=" + ",".join(str(pid) for pid in found)
    ) if found else ""
    response = render(request, "directory/shortlist.html", {
        "entries": _shortlist_entries(services),
        "shared": shared,
        "shared_ids": ",".join(str(pid) for pid in found),
        "missing": invalid + (len(ids) - len(found)),
        "share_url": share_url,
        "share_email": _share_email(share_url) if share_url else "",
        "shortlisted": set(shortlist_ids(request.session)),
        "back_to_search": back.url,
    })
    keep_back_to_search(request, response, back)
    if not shared:
        # Your own list is read from your session: `Vary: Cookie` already keeps a shared cache from
        # handing it to someone else, and `private` says so to every cache on the way.
        patch_cache_control(response, private=True)
    return response
