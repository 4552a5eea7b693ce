"""Pages for providers (/manage/), moderators (/moderation/) and the public "Report a problem".

Thin views: each validates a form and calls a selector or a service. Every view that touches
a service goes through `_get_service_for_editor`, so another organisation's service is a 404.
"""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from directory import pagination
from directory.accounts.decorators import (
    form_data,
    kept_form,
    login_required,
    login_required_post,
    moderator_required,
    moderator_required_post,
)
from directory.accounts.roles import editable_organisation_ids, is_moderator
from directory.accounts.selectors import account_list_closed_unused
from directory.bilingual import in_language
from directory.listings import fields, return_to, selectors, services
from directory.listings import resending as resend
from directory.listings.forms import (
    REPORTS_TOO_MANY,
    LocationForm,
    OrganisationContactForm,
    ProblemReportForm,
    RejectForm,
    ServiceForm,
    ServiceListFilterForm,
    WaitUpdateForm,
)
from directory.listings.templatetags.govuk import REOPEN_TAG
from directory.models import Organisation, ProblemReport, Service, ServiceChange
from servicemap import rate_limits
from servicemap.durations import DAY, duration_text

EDIT_CONFLICT = gettext_lazy(
    "This listing was changed by %(who)s on %(date)s at %(time)s, after you opened this page, so your "
    "changes have not been saved. Check the fields listed below, then save again."
)
EDIT_CONFLICT_NO_DATE = gettext_lazy(
    "This listing was changed by %(who)s after you opened this page, so your changes have not been saved. "
    "Check the fields listed below, then save again."
)

ORGANISATION_CHANGED_SINCE = gettext_lazy(
    "Someone else changed this after you opened this page, to: “%(value)s”. Your change has not been saved: "
    "save again to replace theirs with what you entered."
)

# Saving a listing never published sends all of it for approval (again, if it was not approved).
NEW_LISTING_SAVED = gettext_lazy("Saved. The public will see %(name)s once a moderator approves it.")

# A location of a change started again that the location form would refuse now (views.service_edit).
LOCATIONS_NOT_RESENT = gettext_lazy(
    "Not sent again: %(names)s. Add it again on “Where it is based”, as the form there asks."
)


def _get_service_for_editor(request: HttpRequest, public_id: uuid.UUID) -> Service:
    service = selectors.service_get_for_editor(user=request.user, public_id=public_id)
    if service is None:
        raise Http404
    return service


def _get_organisation_for_editor(request: HttpRequest, public_id: uuid.UUID) -> Organisation:
    organisation = selectors.organisation_get_for_editor(user=request.user, public_id=public_id)
    if organisation is None:
        raise Http404
    return organisation


# A provider sees each listing in full, with its wait form, while that makes a page one can read. A
# moderator's list is the whole directory (tens of thousands of services) and a national
# organisation's can run to hundreds: every wait history and a form each made 10 MB and 15 s for
# 2,000. Those get one compact row per service, a page at a time, with a search and filters.
FULL_DASHBOARD_MAX = 25
OVERVIEW_PAGE_SIZE = 50


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    moderator = is_moderator(request.user)
    if moderator or selectors.service_queryset_for_editor(user=request.user).count() > FULL_DASHBOARD_MAX:
        return _service_overview(request, moderator=moderator)
    service_list = selectors.service_list_for_dashboard(user=request.user)
    for service in service_list:
        service.current_wait = service.waits[0] if service.waits else None
        for change in service.pending_changes:
            # What waits, by the names the edit page gives them, so it need not be found by comparing.
            change.field_labels = [
                fields.field_label(f) for f in (*fields.EDITABLE_FIELDS, fields.LOCATIONS) if f in change.proposed
            ]
        service.wait_form = WaitUpdateForm(auto_id=f"wait-{service.public_id}-%s", initial=_wait_initial(service.current_wait))
    return render(
        request,
        "listings/dashboard.html",
        {
            "services": service_list,
            "is_moderator": moderator,
            "has_organisations": bool(editable_organisation_ids(request.user)),
            "organisations": selectors.organisation_list_for_dashboard(user=request.user),
            "open_reports": [r for s in service_list for r in s.open_reports],
            **_resolved_reports(request),
            # A moderator's dashboard lists every service: their work is the moderation queue.
            "tasks": [] if moderator else selectors.dashboard_tasks(service_list),
        },
    )


def _service_overview(request: HttpRequest, *, moderator: bool) -> HttpResponse:
    """Every service this user may edit, a compact row each, searched and filtered by the query string."""
    form = ServiceListFilterForm(request.GET)
    form.is_valid()  # what is valid still applies: an unknown filter in a link is said, not a 500
    filtered = bool(form.cleaned_data.get("q") or form.cleaned_data.get("show"))
    services_found = selectors.service_list_overview(
        user=request.user, search=form.cleaned_data.get("q", ""), show=tuple(form.cleaned_data.get("show", ())),
        today=timezone.localdate(),
    )
    page = Paginator(services_found, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    # Each service's pages come back to this page of this list (return_to.py).
    query = return_to.list_query(request.META.get("QUERY_STRING", ""))
    return render(request, "listings/service_overview.html", {
        "return_query": return_to.next_query(f"{request.path}?{query}" if query else request.path),
        "form": form, "page": page, "rows": selectors.overview_rows(list(page.object_list)), "filtered": filtered,
        "page_items": pagination.page_items(page.paginator, page.number), "ellipsis": pagination.ELLIPSIS,
        "is_moderator": moderator, "has_organisations": moderator or bool(editable_organisation_ids(request.user)),
        "organisations": selectors.organisation_list_for_dashboard(user=request.user),
        # A moderator resolves reports from the moderation queue; a provider's are few, and theirs to resolve.
        "open_reports": [] if moderator else list(selectors.problem_report_list_open(user=request.user)),
        **({} if moderator else _resolved_reports(request)),
    })


def _resolved_reports(request: HttpRequest) -> dict:
    """The reports this user may reopen that were resolved lately, listed under the open ones
    (listings/includes/resolved_reports.html)."""
    days = ProblemReport.RESOLVED_LISTED_DAYS
    since = timezone.now() - timedelta(days=days)
    reports = list(selectors.problem_report_list_recently_resolved(user=request.user, since=since))
    return {"resolved_reports": reports, "resolved_listed_days": days}


def _wait_initial(wait) -> dict:
    """The wait form opened on the current wait: "yes" to referrals open was the form's default, so
    updating a closed service's weeks opened its referrals again unless one noticed."""
    return {"weeks": wait.weeks if wait else None, "referrals_open": "yes" if not wait or wait.referrals_open else "no"}


def _wait_saved_message(service: Service, *, weeks: int, referrals_open: bool) -> str:
    """What saving the wait did and what the public now sees. Closing or reopening the list to referrals
    is done with this same form, and "updated" alone left a provider who had just closed it unsure the
    public listing said so; a status of paused or closed still stops referrals whatever the wait says."""
    saved = _("Wait for %(name)s updated as of today.") % {"name": service.name}
    if not service.is_published:
        then = _("The public will see it once a moderator approves the listing.")
    elif service.status != Service.Status.ACTIVE:
        then = _(
            "Its listing still says it is not taking referrals, as its status is “%(status)s”: to change that, "
            "edit the listing."
        ) % {"status": service.get_status_display()}
    elif not referrals_open:
        then = _(
            "Its listing now says its waiting list is closed, so no one can refer to it until you update the wait "
            "with referrals open."
        )
    elif weeks == 0:
        then = _("Its listing now says it is taking referrals, with no wait.")
    else:
        then = ngettext(
            "Its listing now says it is taking referrals, with a wait of %(weeks)s week.",
            "Its listing now says it is taking referrals, with a wait of %(weeks)s weeks.", weeks,
        ) % {"weeks": weeks}
    return f"{saved} {then}"


@login_required
def wait_update(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    service = _get_service_for_editor(request, public_id)
    current_wait = selectors.service_current_wait(service=service)
    form = WaitUpdateForm(
        form_data(request), initial=_wait_initial(current_wait), current_weeks=current_wait.weeks if current_wait else None,
    )
    if request.method == "POST" and form.is_valid():
        result = services.wait_update(
            service=service, weeks=form.cleaned_data["weeks"],
            referrals_open=form.cleaned_data["referrals_open"], by=request.user,
        )
        message = _wait_saved_message(service, weeks=form.cleaned_data["weeks"],
                                      referrals_open=form.cleaned_data["referrals_open"])
        if result.provider_told:  # as the edit page says it (a moderator's change)
            message += " " + _("Its provider is emailed to say what changed.")
        messages.success(request, message)
        return redirect(return_to.list_url(request))
    return render(request, "listings/wait_form.html", {
        "service": service, "form": form, "current_wait": current_wait, **return_to.context(request)})


@login_required
def organisation_contact(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """An organisation's phone, email, website and description, published at once (none decides who
    can be referred) on every one of its services' pages and in the Open Referral feed."""
    organisation = _get_organisation_for_editor(request, public_id)
    sent = form_data(request)
    form = OrganisationContactForm(sent, instance=organisation)
    # As the service edit's: a colleague's save since the form was opened is merged with, not overwritten.
    opened_version = (
        _sent_int(sent, "opened_version") if sent is not None else (services.organisation_version(organisation) or 0)
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.organisation_contact_update(
                organisation=organisation, values=form.cleaned_data, by=request.user, opened_version=opened_version,
            )
        except services.OrganisationEditConflict as exc:
            opened_version = exc.version  # saving again is a choice made with both values in view
            for field, value in exc.clashes.items():
                form.add_error(field, ORGANISATION_CHANGED_SINCE % {"value": value or _("(nothing)")})
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            message = _("Contact details of %(name)s saved and published.") % {"name": organisation.name}
            if result.editors_told:  # a moderator's change
                message += " " + _("Its editors are emailed to say what changed.")
            messages.success(request, message)
            return redirect(return_to.list_url(request))
    return render(request, "listings/organisation_contact.html", {
        "organisation": organisation, "form": form, "opened_version": opened_version, **return_to.context(request)})


@login_required_post
def service_confirm(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    service = _get_service_for_editor(request, public_id)
    services.service_confirm(service=service, by=request.user)
    message = _("%(name)s confirmed as still correct today.") % {"name": service.name}
    wait = selectors.service_current_wait(service=service)
    if wait is not None and wait.is_stale:
        # Confirming the listing is not confirming its wait, which the public still sees as out of date.
        message += " " + _(
            "Its wait was last given on %(date)s: update it, even to the same number of weeks, so it is not "
            "shown as out of date."
        ) % {"date": date_format(wait.as_of, "j M Y")}
    messages.success(request, message)
    return redirect("listings:dashboard")


def _proposal_initial(change: ServiceChange | None) -> dict:
    """Form values showing a change's proposal over the live listing."""
    if change is None:
        return {}
    initial = {k: v for k, v in change.proposed.items() if k != fields.COVERAGE}
    if fields.COVERAGE in change.proposed:
        from directory.models import Area

        initial[fields.COVERAGE] = list(Area.objects.filter(code__in=change.proposed[fields.COVERAGE]))
    return initial


def _sent_int(data: QueryDict, name: str) -> int | None:
    try:
        return int(data.get(name, ""))
    except ValueError:
        return None


def _posted_int(request: HttpRequest, name: str) -> int | None:
    return _sent_int(request.POST, name)


def _conflict_message(conflict: services.EditConflict) -> str:
    values = {"who": conflict.changed_by or _("someone else")}
    if conflict.changed_at is None:
        return EDIT_CONFLICT_NO_DATE % values
    when = timezone.localtime(conflict.changed_at)
    return EDIT_CONFLICT % {**values, "date": date_format(when, "j M Y"), "time": date_format(when, "H:i")}


@login_required
def service_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    service = _get_service_for_editor(request, public_id)
    moderator = is_moderator(request.user)
    # A provider's form shows the proposal waiting for approval, and saving replaces it: the form
    # says which one it showed, so one a colleague sends meanwhile is not withdrawn unseen.
    pending = None if moderator else selectors.change_get_pending_edit(service=service)
    pending_initial = _proposal_initial(pending)
    # A change that was not approved is offered, not filled in: an edit made weeks later for another
    # reason must not send it again unseen. "?from=rejected" starts the form from what was sent.
    rejected = None if moderator or pending_initial else selectors.change_get_rejected_to_resend(service=service)
    resending = rejected is not None and request.GET.get("from") == "rejected"
    # A new listing that was not approved is fixed on this form too (the dashboard and the email lead
    # here): it says why, as the edit of a published one does.
    rejected_listing = None if moderator else selectors.change_get_rejected_new_listing(service=service)
    # A new listing waiting for approval says so at the top: nothing else on the form told its provider
    # that the public cannot see it yet, or what saving it does (services.service_edit).
    pending_new = selectors.change_get_pending_new_listing(service=service)
    # Where the service is based is not on the form: what the rejected change proposed of it is
    # shown beside it, and sent again with it.
    resend_locations = resend.locations_to_resend(service=service, change=rejected) if resending else None
    sent = form_data(request)
    form = ServiceForm(
        sent, instance=service,
        initial=_proposal_initial(rejected) if resending else pending_initial,
        show_approval_tags=service.is_published and not moderator,
    )
    # 0: the listing had no recorded version when the form was opened (listings loaded before
    # history was kept), so any later one counts as a change since.
    # A form filled in again after signing in keeps the versions it was opened on: saving it then
    # merges with what changed since, as any save does.
    opened_version = _sent_int(sent, "opened_version") if sent is not None else (services.service_version(service) or 0)
    opened_change = None
    if not moderator:
        opened_change = _sent_int(sent, "opened_change") if sent is not None else (pending.pk if pending else 0)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.service_edit(
                service=service, values=services.form_values(form.cleaned_data), by=request.user,
                confirm=form.cleaned_data["confirm_rest"], opened_version=opened_version, opened_change=opened_change,
                locations=resend_locations.entries if resend_locations else None,
                locations_since=rejected.submitted_at if resend_locations else None,
            )
        except services.EditConflict as exc:
            # Shown again as typed, now opened on the version saved since: saving again is a choice
            # made with both values in view.
            conflict, opened_version = exc, exc.version
            opened_change = exc.change if opened_change is not None else None
            form.add_error(None, _conflict_message(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if not service.is_published:  # a moderator's save too: the listing still waits for approval
                messages.success(request, NEW_LISTING_SAVED % {"name": service.name})
            elif result.pending:
                messages.success(
                    request, _("Saved. Changes to who can be referred will show once a moderator approves them.")
                )
            # Named: the list it goes back to may hold hundreds, and the banner is the first thing a
            # screen reader says there (it is focused).
            elif result.provider_told:
                messages.success(request, _(
                    "%(name)s: saved and published. Its provider is emailed to say what changed."
                ) % {"name": service.name})
            else:
                messages.success(request, _("%(name)s: saved and published.") % {"name": service.name})
            if resend_locations and resend_locations.refused:
                messages.warning(request, LOCATIONS_NOT_RESENT % {
                    "names": ", ".join(refused.name for refused in resend_locations.refused)})
            return redirect(return_to.list_url(request))
    return render(
        request, "listings/service_form.html",
        {
            "service": service, "form": form, "has_pending": bool(pending_initial), "is_moderator": moderator,
            "opened_version": opened_version, "opened_change": opened_change, "conflict": conflict, "rejected": rejected, "resending": resending,
            "rejected_listing": rejected_listing, "pending_new": pending_new,
            "resend_locations": resend_locations, **return_to.context(request),
        },
    )


LOCATION_ALREADY_LISTED = gettext_lazy("%(name)s is already listed at this address, so it has not been added again.")
LOCATION_NO_POINT = gettext_lazy(
    "We could not find the postcode %(postcode)s, so %(name)s has no map point. Check the postcode: "
    "the location is still listed without one."
)


@login_required
def service_locations(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Where the service is based: the locations as its provider last said, marking what waits for approval."""
    service = _get_service_for_editor(request, public_id)
    proposed = selectors.service_location_entries_proposed(service=service)
    live = {entry["id"]: entry for entry in selectors.service_location_entries(service=service)}
    proposed_ids = {entry["id"] for entry in proposed}
    return render(request, "listings/locations.html", {
        "service": service,
        "rows": [{"entry": entry, "waiting": live.get(entry["id"]) != entry} for entry in proposed],
        "removing": [entry for key, entry in live.items() if key not in proposed_ids],
        "needs_approval": service.is_published and not is_moderator(request.user), **return_to.context(request),
    })


def _proposed_location(service: Service, key: uuid.UUID | None) -> tuple[list[dict], dict | None]:
    entries = selectors.service_location_entries_proposed(service=service)
    if key is None:
        return entries, None
    entry = next((e for e in entries if e["id"] == str(key)), None)
    if entry is None:
        raise Http404
    return entries, entry


def _locations_saved(
    request: HttpRequest, service: Service, result: services.LocationsResult, entry: dict | None = None,
) -> None:
    if result.withheld:
        messages.success(request, _(
            "The address of %(names)s is no longer published, on every listing based there."
        ) % {"names": ", ".join(result.withheld)})
    if result.applied and not service.is_published:
        # Applied to a new listing, which the public cannot see yet: "published" told its provider otherwise.
        messages.success(request, NEW_LISTING_SAVED % {"name": service.name})
    elif result.applied:
        messages.success(request, _("Saved and published."))
    elif result.pending and fields.LOCATIONS in result.pending.proposed:
        messages.success(request, _(
            "Sent for approval. Until a moderator approves it, the public sees where the service is based as it is now."
        ))
    elif not result.withheld:
        messages.success(request, _("Saved."))
    if entry and entry["postcode"] and services.location_point(entry["postcode"]) is None:
        messages.warning(request, LOCATION_NO_POINT % {"postcode": entry["postcode"], "name": entry["name"]})


def _to_locations(request: HttpRequest, service: Service) -> HttpResponse:
    """Back to "Where it is based", still knowing the list it was opened from."""
    query = return_to.context(request)["return_query"]
    return redirect(reverse("listings:locations", args=[service.public_id]) + (f"?{query}" if query else ""))


@login_required
def service_location_edit(request: HttpRequest, public_id: uuid.UUID, key: uuid.UUID | None = None) -> HttpResponse:
    """Add a location (no `key`) or change one; either way the whole list is saved or proposed."""
    service = _get_service_for_editor(request, public_id)
    entries, entry = _proposed_location(service, key)
    form = LocationForm(form_data(request), initial=entry)
    if request.method == "POST" and form.is_valid():
        new = fields.location_entry(form.cleaned_data, key=entry["id"] if entry else str(uuid.uuid4()))
        if entry is None and (listed := fields.same_location(entries, new)):
            messages.info(request, LOCATION_ALREADY_LISTED % {"name": listed["name"]})
            return _to_locations(request, service)
        try:
            result = services.service_locations_update(
                service=service, locations=[*(e for e in entries if e["id"] != new["id"]), new], by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _locations_saved(request, service, result, new)
            return _to_locations(request, service)
    return render(request, "listings/location_form.html", {
        "service": service, "form": form, "entry": entry, **return_to.context(request)})


@login_required_post
def service_location_remove(request: HttpRequest, public_id: uuid.UUID, key: uuid.UUID) -> HttpResponse:
    """Stop listing the service at a location: the location stays for any other service based there."""
    service = _get_service_for_editor(request, public_id)
    entries, entry = _proposed_location(service, key)
    result = services.service_locations_update(
        service=service, locations=[e for e in entries if e["id"] != entry["id"]], by=request.user,
    )
    _locations_saved(request, service, result)
    return _to_locations(request, service)


@login_required_post
def service_location_keep(request: HttpRequest, public_id: uuid.UUID, key: uuid.UUID) -> HttpResponse:
    """Take back the removal of a location where the service is based now, before a moderator decides:
    "Remove" asks nothing, and the way back was to type the location in again."""
    service = _get_service_for_editor(request, public_id)
    entry = next((e for e in selectors.service_location_entries(service=service) if e["id"] == str(key)), None)
    if entry is None:
        raise Http404
    entries = selectors.service_location_entries_proposed(service=service)
    if all(e["id"] != entry["id"] for e in entries):
        services.service_locations_update(service=service, locations=[*entries, entry], by=request.user)
    messages.success(request, _("%(name)s will not be removed.") % {"name": entry["name"]})
    return _to_locations(request, service)


@login_required
def service_new(request: HttpRequest) -> HttpResponse:
    moderator = is_moderator(request.user)
    organisations = (
        Organisation.objects.all() if moderator else Organisation.objects.filter(pk__in=editable_organisation_ids(request.user))
    )
    if not organisations.exists():
        raise PermissionDenied
    form = ServiceForm(form_data(request), organisations=organisations.order_by(in_language("name"), "pk"), show_approval_tags=False)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                organisation=form.cleaned_data["organisation"], values=services.form_values(form.cleaned_data),
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if service.is_published:
                messages.success(request, _("%(name)s added and published.") % {"name": service.name})
            else:
                messages.success(
                    request, _("%(name)s added. The public will see it once a moderator approves it.") % {"name": service.name}
                )
            return redirect(return_to.list_url(request))
    return render(request, "listings/service_form.html", {
        "service": None, "form": form, "is_moderator": moderator, **return_to.context(request)})


@login_required
def service_history(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    service = _get_service_for_editor(request, public_id)
    way_back = return_to.context(request)
    here = reverse("listings:history", args=[service.public_id])
    # Named as this reader may see them: a provider sees a moderator by role (selectors.person_shown).
    shown = selectors.person_shown(viewer=request.user, organisation_id=service.organisation_id)
    waits = list(service.waiting_times.select_related("recorded_by").order_by("-as_of", "-recorded_at", "-id"))
    for wait in waits:
        wait.recorded_by_shown = shown(wait.recorded_by)
    changes = list(selectors.change_list_for_service(service=service))
    for change in changes:
        change.submitted_by_shown, change.decided_by_shown = shown(change.submitted_by), shown(change.decided_by, after_by=True)
    return render(
        request, "listings/history.html",
        {
            "service": service,
            "entries": selectors.service_history(service=service, viewer=request.user),
            "waits": waits, "changes": changes,
            "is_moderator": is_moderator(request.user), **way_back,
            # A change opened from here has its back link come back here, and so on to where this page
            # was opened from (return_to.history_of).
            "history_query": urlencode({"next": return_to.with_query(here, way_back["return_query"])}),
        },
    )


def _from_moderation(request: HttpRequest) -> bool:
    return "moderation" in (request.POST.get("next"), request.GET.get("next"))


def _after_report(request: HttpRequest) -> str:
    """Where resolving or reopening a report goes back to: the moderation queue it was done from, else
    the provider's list (`return_to`)."""
    return reverse("listings:moderation") if _from_moderation(request) else return_to.list_url(request)


def _report_for_editor(request: HttpRequest, public_id: uuid.UUID) -> ProblemReport:
    """The report, if this user may resolve (and so reopen) it; else 404, as for a report that does not exist."""
    report = selectors.problem_report_get_for_editor(user=request.user, public_id=public_id)
    if report is None:
        raise Http404
    return report


def _report_named(report: ProblemReport) -> dict[str, str]:
    return {"name": report.service.name, "reason": report.get_reason_display()}


@login_required_post
def report_resolve(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    report = _report_for_editor(request, public_id)
    try:
        services.problem_report_resolve(report=report, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        # The confirmation carries its undo (a click on the wrong report's button): a "Reopen" button
        # posting back to the same place (templates/base.html, `reopen_action`).
        query = "next=moderation" if _from_moderation(request) else return_to.next_query(return_to.list_url(request))
        action = reverse("listings:report_reopen", args=[report.public_id]) + (f"?{query}" if query else "")
        messages.success(
            request,
            _("Problem report marked as resolved: %(name)s, %(reason)s.") % _report_named(report),
            extra_tags=REOPEN_TAG + action,
        )
    return redirect(_after_report(request))


@login_required_post
def report_reopen(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Open a resolved report again: whoever may resolve it may reopen it."""
    report = _report_for_editor(request, public_id)
    try:
        services.problem_report_reopen(report=report, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request, _("Problem report reopened: %(name)s, %(reason)s. It is listed as open again.") % _report_named(report))
    return redirect(_after_report(request))


OVERDUE_PAGE_SIZE = 25
CHANGES_PAGE_SIZE = 50


@moderator_required
def moderation(request: HttpRequest) -> HttpResponse:
    # One import can hold thousands of new listings for review: a page of them at a time, so the
    # problem reports and the rest of the page stay in reach (2,000 made it 0.9 MB and 5 s).
    changes = Paginator(selectors.change_list_pending(), CHANGES_PAGE_SIZE).get_page(request.GET.get("changes_page"))
    # At national scale thousands of listings can be overdue at once: a page of them at a time.
    overdue = Paginator(
        selectors.service_list_confirmation_overdue(today=timezone.localdate()), OVERDUE_PAGE_SIZE,
    ).get_page(request.GET.get("overdue_page"))
    return render(
        request, "listings/moderation.html",
        {
            "changes": changes, "changes_items": pagination.page_items(changes.paginator, changes.number),
            "reports": selectors.problem_report_list_open(user=request.user),
            **_resolved_reports(request),
            "overdue": overdue, "overdue_rows": [(s, selectors.requests_this_cycle(s)) for s in overdue.object_list],
            "overdue_items": pagination.page_items(overdue.paginator, overdue.number), "ellipsis": pagination.ELLIPSIS,
            "closed_accounts": account_list_closed_unused(),
            "return_here": return_to.next_query(request.path),  # a service's pages opened from here come back
            "close_period": duration_text(settings.CLOSE_UNUSED_ACCOUNTS_DAYS * DAY),
        },
    )


# In a decided change's table, for a value not known: it was decided before what it was decided
# against was kept on it, and the listing's history does not hold this (where it was based).
NOT_RECORDED = gettext_lazy("Not recorded")
# A reason typed for a change its provider replaced while it was being read: brought to the later one.
REASON_CARRIED = gettext_lazy(
    "The provider sent a later version of this change while you were reading it, so nothing has been decided. "
    "This is the later version: the reason you typed is in the box below, to send if it still applies."
)
CARRIED_REASON = "listings:carried_reason"  # session key: {"change": pk, "reason": text}, used once


def _change_rows(change: ServiceChange, live: dict, names: dict[str, str], **options: str) -> list[fields.FieldDiff]:
    """What `change` changes of the listing as it stands in `live` (selectors.service_live, now or when
    it was decided): a new listing's every value, an edit's each before and after. What its import left
    unsaid (fields.UNSTATED; not known for a change decided before it was kept) reads so, not as the
    filler it holds, until the change states it."""
    unstated = live.get(fields.UNSTATED, [])
    if change.kind == ServiceChange.Kind.NEW:
        return fields.diff({}, live, names, unstated_after=unstated, **options)
    return fields.diff(live, change.proposed, names, unstated_before=unstated,
                       unstated_after=fields.unstated_after(unstated, live, change.proposed), **options)


def _decided_rows(change: ServiceChange, names: dict[str, str]) -> tuple[list[fields.FieldDiff], bool]:
    """What a decided change changed, or would have: the listing when it was decided, never the listing
    now, which holds an approved change's values. A new listing's rows hold it as it was then. With
    whether any value shown is NOT_RECORDED."""
    then = selectors.change_live_when_decided(change=change)
    if change.kind == ServiceChange.Kind.EDIT:
        rows = _change_rows(change, then or {}, names, unknown=str(NOT_RECORDED))
        return rows, any(field not in (then or {}) for field in change.proposed)
    if then is None:
        return [], False  # the page says that nothing was recorded
    rows = _change_rows(change, then, names)
    if fields.LOCATIONS in then:
        return rows, False
    return rows + [fields.FieldDiff(
        field=fields.LOCATIONS, label=fields.field_label(fields.LOCATIONS), before="", after=str(NOT_RECORDED),
    )], True


def _change_page(request: HttpRequest, change: ServiceChange) -> str:
    """The change's page, keeping the way back it was opened with: where a refused approval or rejection goes."""
    return return_to.with_query(reverse("listings:change_detail", args=[change.pk]),
                                _change_back(request, change)["back_query"])


def _change_back(request: HttpRequest, change: ServiceChange) -> dict:
    """The change page's back link: the listing's history it was opened from, else the moderation queue."""
    history = return_to.history_of(request, change.service.public_id)
    if history is None:
        return {"back_url": reverse("listings:moderation"), "back_label": _("Moderation"), "back_next": "", "back_query": ""}
    # back_query: the later version of a change taken back, opened from it, goes back to the same history.
    return {"back_url": history, "back_label": _("History"), "back_next": history,
            "back_query": urlencode({"next": history})}


def _change_context(change: ServiceChange, reject_form: RejectForm | None = None) -> dict:
    names = selectors.area_names()
    pending = change.state == ServiceChange.State.PENDING
    seen_version, lists_no_area, replaced_by, not_recorded = 0, False, None, False
    if pending:
        # Read before the values shown: an edit in between makes the approval refused, never unseen.
        seen_version = services.service_version(change.service) or 0
        live = selectors.service_live(service=change.service)
        rows = _change_rows(change, live, names)
        approved = live if change.kind == ServiceChange.Kind.NEW else {**live, **change.proposed}
        # The edit form refuses such a listing; one sent before it did, or imported, is said here.
        lists_no_area = fields.lists_no_area_it_needs(approved)
    else:
        rows, not_recorded = _decided_rows(change, names)
    if change.state == ServiceChange.State.WITHDRAWN:
        replaced_by = selectors.change_get_pending_edit(service=change.service)
    return {
        "change": change, "rows": rows, "reject_form": reject_form or RejectForm(), "seen_version": seen_version,
        "not_recorded": not_recorded,
        # The listing's edit page and history opened from here come back to this change.
        "return_here": return_to.next_query(reverse("listings:change_detail", args=[change.pk])),
        "replaced_by": replaced_by,  # what its provider sent since, waiting now
        "lists_no_area": lists_no_area,
    }


@moderator_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_get(pk=pk)
    if change is None:
        raise Http404
    kept = kept_form(request)  # a reason typed before the session ended
    carried = request.session.get(CARRIED_REASON)
    form = RejectForm(kept) if kept else None
    if carried and carried["change"] == change.pk:  # typed for the version this one replaced
        del request.session[CARRIED_REASON]
        form = form or RejectForm(initial={"reason": carried["reason"]})
    return render(request, "listings/change_detail.html", {
        **_change_context(change, form), **_change_back(request, change)})


@moderator_required_post
def change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_get(pk=pk)
    if change is None:
        raise Http404
    try:
        # -1 when the form does not say which version it showed: a new listing is then not published
        # (an edit is, as the page shows its proposal whatever the version).
        seen = _posted_int(request, "seen_version")
        if seen is None and change.kind == ServiceChange.Kind.NEW:
            seen = -1
        services.change_approve(change=change, by=request.user, seen_version=seen)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_change_page(request, change))
    # Said only when someone will be: the email goes once this is committed, and may yet fail (logged).
    if selectors.change_decision_readers(change=change).exists():
        message = _("Approved and published: %(name)s. Its provider is emailed to say so.")
    else:
        message = _("Approved and published: %(name)s.")
    messages.success(request, message % {"name": change.service.name})
    return redirect("listings:moderation")


@moderator_required_post
def change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_get(pk=pk)
    if change is None:
        raise Http404
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.change_reject(change=change, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            later = selectors.change_get_pending_edit(service=change.service) if getattr(exc, "code", None) == "replaced" else None
            if later is None:
                messages.error(request, " ".join(exc.messages))
                return redirect(_change_page(request, change))
            # What the moderator typed is not lost: it waits in the later version's form, not sent.
            request.session[CARRIED_REASON] = {"change": later.pk, "reason": form.cleaned_data["reason"]}
            messages.error(request, REASON_CARRIED)
            return redirect(_change_page(request, later))
        if selectors.change_decision_readers(change=change).exists():
            message = _("Not approved: %(name)s. Its provider is emailed the reason.")
        else:
            message = _("Not approved: %(name)s.")
        messages.success(request, message % {"name": change.service.name})
        return redirect("listings:moderation")
    return render(request, "listings/change_detail.html", {
        **_change_context(change, form), **_change_back(request, change), "page_address": _change_page(request, change),
    })


@moderator_required
def service_restore(request: HttpRequest, public_id: uuid.UUID, history_id: int) -> HttpResponse:
    """GET asks first, showing what would change; POST restores. A restore publishes at once, so
    one click on a list of versions was one mistake away from changing the public listing."""
    service = _get_service_for_editor(request, public_id)
    record = selectors.service_history_record(service=service, history_id=history_id)
    if record is None:
        raise Http404
    if request.method != "POST":
        version = fields.snapshot(record, selectors.history_record_coverage_codes(record))
        return render(request, "listings/restore_confirm.html", {
            "service": service, "record": record, **return_to.context(request),
            # A restore puts back what the version left unsaid too (services.service_restore).
            "rows": fields.diff(selectors.service_snapshot(service), version, selectors.area_names(),
                                unstated_before=service.unstated_by_import, unstated_after=record.unstated_by_import),
            "provider_told": selectors.listing_change_readers(service=service, by=request.user).exists(),
        })
    try:
        services.service_restore(service=service, record=record, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Restored the earlier version of %(name)s.") % {"name": service.name})
    query = return_to.context(request)["return_query"]
    return redirect(reverse("listings:history", args=[service.public_id]) + (f"?{query}" if query else ""))


def report_problem(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Public: anyone may report that a listing is wrong. Nothing about the reporter is kept."""
    service = selectors.service_get_published(public_id=public_id)
    if service is None:
        raise Http404
    form = ProblemReportForm(request.POST if request.method == "POST" else None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        # Only reports that would be sent are counted: correcting a mistake costs nothing.
        retry_after = rate_limits.wait_before("report_problem", request, settings.PROBLEM_REPORT_RATE)
        if retry_after is None:
            services.problem_report_create(service=service, **form.cleaned_data)
            return redirect("listings:report_problem_sent", public_id=service.public_id)
        # The form is shown again as filled in, so nothing typed is lost.
        form.add_error(None, REPORTS_TOO_MANY % {"minutes": math.ceil(retry_after / 60)})
        status = 429
    service.current_wait = service.waits[0] if service.waits else None
    response = render(request, "listings/report_problem.html", {"service": service, "form": form}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(math.ceil(retry_after))
    return response


def report_problem_sent(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    service = selectors.service_get_published(public_id=public_id)
    if service is None:
        raise Http404
    return render(request, "listings/report_problem_sent.html", {"service": service})
