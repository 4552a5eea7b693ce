"""Reads for the provider dashboard, the moderation queue and history. Query counts stay flat."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, pgettext

from directory.accounts.models import Membership
from directory.accounts.roles import (
    editable_organisation_ids,
    is_moderator,
    moderator_users,
    moderators_at_any_time,
    organisation_members,
)
from directory.bilingual import area_display_name, in_language
from directory.listings import fields, reminders
from directory.models import (
    WAIT_STALE_AFTER_DAYS,
    Area,
    Location,
    ModeratorChangeNotice,
    Organisation,
    ProblemReport,
    ReviewRequest,
    Service,
    ServiceChange,
    WaitingTimeReport,
)
from directory.unusual_waits import UNUSUAL_WAIT_WEEKS

WAITS_NEWEST_FIRST = WaitingTimeReport.objects.order_by("-as_of", "-recorded_at", "-id")


def service_queryset_for_editor(*, user) -> QuerySet[Service]:
    """Every service this user may edit: a moderator's is all of them, a provider's their organisations'."""
    if is_moderator(user):
        return Service.objects.all()
    return Service.objects.filter(organisation_id__in=editable_organisation_ids(user))


def service_get_for_editor(*, user, public_id: uuid.UUID) -> Service | None:
    """The service if this user may edit it, else None (callers answer 404, so existence never leaks)."""
    return (
        service_queryset_for_editor(user=user)
        .select_related("organisation", "confirmed_by")
        .filter(public_id=public_id)
        .first()
    )


def organisation_get_for_editor(*, user, public_id: uuid.UUID) -> Organisation | None:
    """The organisation if this user may edit its listings (a moderator: any), else None (callers
    answer 404, as for a service)."""
    organisations = Organisation.objects.all()
    if not is_moderator(user):
        organisations = organisations.filter(pk__in=editable_organisation_ids(user))
    return organisations.filter(public_id=public_id).first()


def organisation_list_for_dashboard(*, user) -> QuerySet[Organisation]:
    """A provider's organisations, by name, for their dashboard, each with `editors`: the memberships
    of its open accounts, by email (who can edit its listings). Two queries. A moderator's dashboard
    is every service; they reach an organisation from its services' edit pages."""
    if is_moderator(user):
        return Organisation.objects.none()
    editors = Membership.objects.filter(user__is_active=True).select_related("user").order_by("user__email", "pk")
    return (
        Organisation.objects.filter(pk__in=editable_organisation_ids(user))
        .prefetch_related(Prefetch("memberships", queryset=editors, to_attr="editors"))
        .order_by(in_language("name"), "pk")
    )


def name_key(name: str) -> str:
    """A listing's name as two names are compared: letter case folded (Unicode's, so "Ŵ" is "ŵ" and
    "É" is "é"), composed and decomposed accents alike (NFKC), runs of spaces as one, none around it."""
    return " ".join(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold()).split())


def service_named_exists(
    *, organisation_id: int, name: str, language: str = "en", exclude_id: int | None = None
) -> bool:
    """Whether the organisation already lists a service (other than `exclude_id`) read under this name
    in this language (`name_key`: any letter case, spaces ignored): in Welsh its Welsh name or, where
    it has none, its English one, as the Welsh pages show it. One query, for the organisation's names.

    Compared here, not by the database: SQLite's `iexact` folds the letters A-Z alone, so "Ŵ" and "ŵ"
    differed there; an organisation lists a few services, not thousands."""
    with translation.override(language):
        read_name = in_language("name")  # built now: the expression is fixed to the language
    services = Service.objects.filter(organisation_id=organisation_id).annotate(read_name=read_name)
    if exclude_id is not None:
        services = services.exclude(pk=exclude_id)
    key = name_key(name)
    return any(name_key(read) == key for read in services.values_list("read_name", flat=True))


def organisation_named_exists(*, name: str) -> bool:
    """Whether an organisation is already listed under this name in English or in Welsh (`name_key`:
    any letter case, accents composed or not, spaces ignored). One query, for every organisation's
    names: compared here for the same reason as `service_named_exists` (SQLite's `iexact` let "Ŵ"/"ŵ"
    through), and the invitation form already lists every organisation."""
    key = name_key(name)
    return any(
        name_key(listed) == key
        for names in Organisation.objects.values_list("name_en", "name_cy") for listed in names if listed
    )


@dataclass(frozen=True)
class NamedAlike:
    """Listings of one organisation read under one name (`name_key`) in English or in Welsh."""

    organisation: str
    name: str
    public_ids: tuple[uuid.UUID, ...]


def services_named_alike(*, among: set[uuid.UUID]) -> list[NamedAlike]:
    """Each set of listings of one organisation read under one name, in English or in Welsh (its Welsh
    name, or its English one where it has none), that holds one of the services `among`; by
    organisation and name. One query, for every service's names: an import's tens of thousands of
    ids in an `IN` list would pass SQLite's limit on parameters."""
    rows = Service.objects.values_list("organisation_id", "organisation__name", "public_id", "name_en", "name_cy")
    groups: dict[tuple, list[tuple[str, str, uuid.UUID]]] = {}
    for organisation_id, organisation, public_id, name_en, name_cy in rows.order_by("pk"):
        for language, name in (("en", name_en), ("cy", name_cy or name_en)):
            groups.setdefault((organisation_id, language, name_key(name)), []).append((organisation, name, public_id))
    found: dict[frozenset, NamedAlike] = {}
    for members in groups.values():
        ids = frozenset(public_id for _organisation, _name, public_id in members)
        if len(members) > 1 and ids & among and ids not in found:
            organisation, name, _id = members[0]
            found[ids] = NamedAlike(organisation, name, tuple(public_id for _o, _n, public_id in members))
    return sorted(found.values(), key=lambda alike: (alike.organisation, alike.name))


def service_list_for_dashboard(*, user) -> list[Service]:
    """The user's services with their newest wait, open problem reports and pending/rejected changes.

    Each service gets `waits` (newest first), `open_reports`, `pending_changes` and
    `decided_changes` (approved or rejected, newest decision first: a rejection is news only while
    no later change has been approved). Six queries whatever the number of services.
    """
    return list(
        service_queryset_for_editor(user=user)
        .select_related("organisation", "confirmed_by")
        .prefetch_related(
            Prefetch("waiting_times", queryset=WAITS_NEWEST_FIRST, to_attr="waits"),
            Prefetch(
                "problem_reports",
                queryset=ProblemReport.objects.filter(resolved_at__isnull=True).select_related("reopened_by"),
                to_attr="open_reports",
            ),
            Prefetch(
                "changes",
                queryset=ServiceChange.objects.filter(state=ServiceChange.State.PENDING).select_related(
                    "submitted_by"
                ),
                to_attr="pending_changes",
            ),
            Prefetch(
                "changes",
                queryset=ServiceChange.objects.filter(
                    state__in=[ServiceChange.State.APPROVED, ServiceChange.State.REJECTED]
                ).order_by("-decided_at", "-id"),
                to_attr="decided_changes",
            ),
        )
        .order_by(in_language("organisation__name"), in_language("name"), "id")
    )


# The filters of the all-services list (forms.ServiceListFilterForm offers them; each narrows the list).
SHOW_WAIT_DUE = "wait"  # no wait given, or older than 6 weeks (not for a closed service)
SHOW_OVERDUE = "overdue"  # published, not closed, not confirmed for 12 months or ever
SHOW_PAUSED_CLOSED = "paused_closed"
SHOW_REPORTS = "reports"  # has open problem reports
SHOW_PENDING = "pending"  # something waits for approval
SHOW_REJECTED = "rejected"  # its latest change was not approved and nothing has been sent since
SHOW_UNUSUAL_WAIT = "long_wait"  # its current wait is over two years (unusual_waits.py; not for a closed service)
CONFIRMATION_OVERDUE_DAYS = 365


def _overdue(today: date) -> Q:
    return Q(last_confirmed_at__isnull=True) | Q(last_confirmed_at__lt=today - timedelta(days=CONFIRMATION_OVERDUE_DAYS))


def service_list_overview(*, user, search: str = "", show: tuple[str, ...] = (), today: date) -> QuerySet[Service]:
    """The services this user may edit, one compact row each, for a list that runs to thousands.

    Instead of every wait and change (`service_list_for_dashboard`), each row carries its newest
    wait (`wait_weeks`, `wait_open`, `wait_as_of`), `open_report_count`, `has_pending` and
    `last_change_state` (its latest change not withdrawn) as subqueries: a page of it is one query,
    and so is its count, however many services there are. `search` matches the service's or its
    organisation's name, in English or Welsh; every filter in `show` must hold.
    """
    newest_wait = WAITS_NEWEST_FIRST.filter(service=OuterRef("pk"))
    open_reports = (
        ProblemReport.objects.filter(service=OuterRef("pk"), resolved_at__isnull=True)
        .order_by().values("service").annotate(n=Count("pk")).values("n")
    )
    services = (
        service_queryset_for_editor(user=user)
        .select_related("organisation", "confirmed_by")
        .annotate(
            wait_weeks=Subquery(newest_wait.values("weeks")[:1]),
            wait_open=Subquery(newest_wait.values("referrals_open")[:1]),
            wait_as_of=Subquery(newest_wait.values("as_of")[:1]),
            open_report_count=Coalesce(Subquery(open_reports[:1], output_field=IntegerField()), 0),
            has_pending=Exists(ServiceChange.objects.filter(service=OuterRef("pk"), state=ServiceChange.State.PENDING)),
            last_change_state=Subquery(
                ServiceChange.objects.filter(service=OuterRef("pk"))
                .exclude(state=ServiceChange.State.WITHDRAWN)
                .order_by("-submitted_at", "-id").values("state")[:1]
            ),
        )
    )
    if search := search.strip():
        services = services.filter(
            Q(name_en__foldcontains=search) | Q(name_cy__foldcontains=search)
            | Q(organisation__name_en__foldcontains=search) | Q(organisation__name_cy__foldcontains=search)
        )
    filters = {
        SHOW_WAIT_DUE: ~Q(status=Service.Status.CLOSED) & (
            Q(wait_as_of__isnull=True) | Q(wait_as_of__lt=today - timedelta(days=WAIT_STALE_AFTER_DAYS))
        ),
        SHOW_OVERDUE: Q(is_published=True) & ~Q(status=Service.Status.CLOSED) & _overdue(today),
        SHOW_PAUSED_CLOSED: Q(status__in=[Service.Status.PAUSED, Service.Status.CLOSED]),
        SHOW_REPORTS: Q(open_report_count__gt=0),
        SHOW_PENDING: Q(has_pending=True),
        SHOW_REJECTED: Q(last_change_state=ServiceChange.State.REJECTED),
        SHOW_UNUSUAL_WAIT: ~Q(status=Service.Status.CLOSED) & Q(wait_weeks__gt=UNUSUAL_WAIT_WEEKS),
    }
    for name in show:
        services = services.filter(filters[name])
    # As each name is shown: a Welsh page put the listings with no Welsh name together, in id order.
    return services.order_by(in_language("organisation__name"), in_language("name"), "id")


def overview_rows(services: list[Service]) -> list[Service]:
    """Give each service of a page of `service_list_overview` its `current_wait`: an unsaved
    WaitingTimeReport built from the row's own columns, so the wait is worded and aged as on every
    other page (listings/includes/wait_summary.html) without reading it again."""
    for service in services:
        service.current_wait = None if service.wait_weeks is None else WaitingTimeReport(
            service=service, weeks=service.wait_weeks, referrals_open=service.wait_open, as_of=service.wait_as_of,
        )
    return services


@dataclass(frozen=True)
class DashboardTask:
    """Something a provider should do about one listing: `kind` says what (the page words it)."""

    kind: str  # "rejected", "no_wait", "stale_wait" or "overdue", in the order they are listed
    service: Service


TASK_ORDER = ("rejected", "no_wait", "stale_wait", "overdue")


def dashboard_tasks(service_list: list[Service]) -> list[DashboardTask]:
    """What needs doing on the dashboard's listings, most pressing first (pure: reads what
    `service_list_for_dashboard` fetched). A rejected change keeps who can be referred out of date;
    a missing or old wait misleads a social worker now; a yearly check can wait a day."""
    tasks = []
    for service in service_list:
        wait = service.waits[0] if service.waits else None
        last = service.decided_changes[0] if service.decided_changes else None
        if last is not None and last.state == ServiceChange.State.REJECTED and not service.pending_changes:
            tasks.append(DashboardTask("rejected", service))
        if service.status != Service.Status.CLOSED:
            if wait is None:
                tasks.append(DashboardTask("no_wait", service))
            elif wait.is_stale:
                tasks.append(DashboardTask("stale_wait", service))
        if service.is_published and service.status != Service.Status.CLOSED and service.is_confirmation_overdue:
            tasks.append(DashboardTask("overdue", service))
    return sorted(tasks, key=lambda task: TASK_ORDER.index(task.kind))


def service_current_wait(*, service: Service) -> WaitingTimeReport | None:
    """The service's newest waiting-time report, if any."""
    return WAITS_NEWEST_FIRST.filter(service=service).first()


def service_get_published(*, public_id: uuid.UUID) -> Service | None:
    """A published service with its newest wait (`waits`, newest first), for public pages."""
    return (
        Service.objects.published()
        .select_related("organisation")
        .prefetch_related(Prefetch("waiting_times", queryset=WAITS_NEWEST_FIRST, to_attr="waits"))
        .filter(public_id=public_id)
        .first()
    )


# A withdrawn change's replacement is sent as it is withdrawn (services._propose gives both one
# time; changes recorded before that were a moment apart): one sent later, after an edit had put the
# listing back as it is live, did not replace it.
REPLACED_WITHIN = timedelta(seconds=2)
REPLACED_BY_LATER = Exists(ServiceChange.objects.filter(
    service=OuterRef("service"), pk__gt=OuterRef("pk"), submitted_at__gte=OuterRef("decided_at"),
    submitted_at__lte=ExpressionWrapper(OuterRef("decided_at") + REPLACED_WITHIN, output_field=DateTimeField()),
))


def submitter_left() -> Q:
    """A change sent by someone who can no longer edit its organisation's listings (a moderator took
    their access away, accounts.services.membership_remove): neither a member of it nor a moderator
    (one's change was a moderator's act). Subqueries only: no query of its own."""
    still_member = Exists(Membership.objects.filter(
        user_id=OuterRef("submitted_by_id"), organisation_id=OuterRef("service__organisation_id")))
    return Q(submitted_by__isnull=False) & ~Q(still_member) & ~Q(submitted_by__in=moderators_at_any_time().values("pk"))


def _with_submitter_left(changes: QuerySet[ServiceChange]) -> QuerySet[ServiceChange]:
    # As `submitter_left` on each row, for the queue and the change page to say so.
    return changes.annotate(submitter_left=ExpressionWrapper(submitter_left(), output_field=BooleanField()))


def change_list_pending() -> QuerySet[ServiceChange]:
    """Changes and new listings waiting for a moderator, oldest first: those a person sent (a provider
    waits for the answer) before those an import held, which can be thousands at once and would bury them."""
    held_by_import = Case(When(held_because="", then=Value(0)), default=Value(1))
    return (
        _with_submitter_left(ServiceChange.objects.filter(state=ServiceChange.State.PENDING))
        .select_related("service__organisation", "submitted_by")
        .order_by(held_by_import, "submitted_at", "id")
    )


def _sent_waiting() -> QuerySet[ServiceChange]:
    # Held imports aside: nobody is emailed about those (services.imported_hold); the queue lists them.
    return ServiceChange.objects.filter(state=ServiceChange.State.PENDING, held_because="")


def change_others_sent_waiting(*, change: ServiceChange) -> bool:
    """Whether a change someone sent, other than this one, is waiting for approval."""
    return _sent_waiting().exclude(pk=change.pk).exists()


def change_list_not_emailed() -> list[ServiceChange]:
    """The changes someone sent that wait for approval and that the moderators were not emailed
    about (notifications.change_submitted: others were waiting), oldest first. One query."""
    return list(
        _sent_waiting().filter(moderators_emailed_at=None)
        .select_related("service__organisation").order_by("submitted_at", "id")
    )


def change_get(*, pk: int) -> ServiceChange | None:
    return (
        _with_submitter_left(ServiceChange.objects.select_related("service__organisation", "submitted_by", "decided_by"))
        .annotate(replaced_by_later=REPLACED_BY_LATER)
        .filter(pk=pk)
        .first()
    )


def _latest_rejection(*, service: Service, kind: str) -> ServiceChange | None:
    """The listing's last change if it is of this kind and was not approved: nothing has been sent
    since and no later change was approved."""
    latest = (
        service.changes.exclude(state=ServiceChange.State.WITHDRAWN)
        .select_related("decided_by")
        .order_by("-submitted_at", "-id")
        .first()
    )
    if latest is None or latest.state != ServiceChange.State.REJECTED or latest.kind != kind:
        return None
    return latest


def change_get_rejected_to_resend(*, service: Service) -> ServiceChange | None:
    """The provider's last change to this listing if it was not approved and is still news: nothing
    has been sent since and no later change was approved. Its proposal can be sent again, fixed."""
    return _latest_rejection(service=service, kind=ServiceChange.Kind.EDIT)


def change_get_rejected_new_listing(*, service: Service) -> ServiceChange | None:
    """The rejection of a listing never published, while nothing has been sent since. The listing's
    own row holds what was sent, so its edit form already shows it; saving sends it again."""
    if service.is_published:
        return None
    return _latest_rejection(service=service, kind=ServiceChange.Kind.NEW)


def change_live_when_decided(*, change: ServiceChange) -> dict[str, Any] | None:
    """The listing as it stood when `change` was decided, before it was applied: what it changed.

    Kept on the change since it was (ServiceChange.live_when_decided). For one decided before, the
    listing's history gives its own fields: the version live at the decision, not counting the one
    the approval recorded. Where it was based is not in that history (no fields.LOCATIONS key then),
    and None when no version was recorded. No query when kept; two when read from the history."""
    if change.live_when_decided is not None:
        return change.live_when_decided
    if change.decided_at is None:
        return None
    record = (
        change.service.history.filter(history_date__lte=change.decided_at)
        .exclude(history_change_reason=f"Approved change {change.pk}")  # as services.change_approve writes it
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return None
    return {**fields.snapshot(record, history_record_coverage_codes(record)),
            fields.UNSTATED: list(record.unstated_by_import)}


def change_list_for_service(*, service: Service) -> QuerySet[ServiceChange]:
    return (
        service.changes.select_related("submitted_by", "decided_by")
        .annotate(replaced_by_later=REPLACED_BY_LATER)
        .order_by("-submitted_at", "-id")
    )


def problem_report_list_open(*, user) -> QuerySet[ProblemReport]:
    """Open problem reports on services this user may edit (all of them for a moderator)."""
    return (
        ProblemReport.objects.filter(resolved_at__isnull=True, service__in=service_queryset_for_editor(user=user))
        .select_related("service__organisation", "reopened_by")
        .order_by("created_at", "id")
    )


def problem_report_list_recently_resolved(*, user, since: datetime) -> QuerySet[ProblemReport]:
    """Problem reports resolved at `since` or later on services this user may edit (all of them for a
    moderator), newest first: those they may still want to reopen."""
    return (
        ProblemReport.objects.filter(resolved_at__gte=since, service__in=service_queryset_for_editor(user=user))
        .select_related("service__organisation", "resolved_by")
        .order_by("-resolved_at", "-id")
    )


def problem_report_list_to_chase(*, today: date) -> QuerySet[ProblemReport]:
    """Open problem reports made `ProblemReport.REMIND_AFTER_DAYS` days before `today` or earlier (by
    the local calendar) whose reminder or, from `ESCALATE_AFTER_DAYS`, escalation has not been sent."""

    def made_before(days: int) -> datetime:
        return timezone.make_aware(datetime.combine(today - timedelta(days=days - 1), datetime.min.time()))

    return (
        ProblemReport.objects.filter(resolved_at__isnull=True, created_at__lt=made_before(ProblemReport.REMIND_AFTER_DAYS))
        .filter(Q(reminded_at__isnull=True)
                | Q(escalated_at__isnull=True, created_at__lt=made_before(ProblemReport.ESCALATE_AFTER_DAYS)))
        .select_related("service__organisation")
        .order_by("created_at", "id")
    )


def problem_report_readers(*, organisation_id: int) -> tuple[QuerySet, str]:
    """Who is emailed about a problem report on one of this organisation's listings, and which of
    `ProblemReport.EmailedTo` they are: its editors, who keep the listings, if it has any active one
    with an address; otherwise the moderators. Not both: the moderators would be emailed about every
    report to fix what a provider is already asked to. Asked again each time (the report's email, its
    reminder, its escalation), so an organisation that gains or loses its editors meanwhile is told
    from then on. One query (`exists`); the caller reads the accounts."""
    editors = organisation_members(organisation_id).exclude(email="")
    if editors.exists():
        return editors, ProblemReport.EmailedTo.PROVIDERS
    return moderator_users(), ProblemReport.EmailedTo.MODERATORS


def listing_change_readers(*, service: Service, by) -> QuerySet:
    """Who is emailed when `by`, a moderator, changes or restores this listing
    (notifications.listing_changed): its organisation's editors with an address, not `by`, should
    they be one; nobody for a listing not yet published (its provider is waiting to hear of its approval)."""
    if not service.is_published:
        return organisation_members(service.organisation_id).none()
    return organisation_change_readers(organisation_id=service.organisation_id, by=by)


def organisation_change_readers(*, organisation_id: int, by) -> QuerySet:
    """Who is emailed when `by`, a moderator, changes an organisation's contact details: its editors
    with an address, not `by`, should they be one."""
    return organisation_members(organisation_id).exclude(email="").exclude(pk=by.pk)


def moderator_change_notices_untold(*, organisation_id: int | None = None) -> list[ModeratorChangeNotice]:
    """The moderators' changes whose provider has not been emailed yet (of one organisation, or of
    all), oldest first, with their service and organisation. One query."""
    notices = ModeratorChangeNotice.objects.filter(emailed_at=None)
    if organisation_id is not None:
        notices = notices.filter(organisation_id=organisation_id)
    return list(notices.select_related("service", "organisation").order_by("organisation_id", "made_at", "id"))


def moderator_change_readers(*, notices: list[ModeratorChangeNotice]) -> QuerySet:
    """Who is emailed one organisation's `notices` (notifications.moderator_changes): its editors with
    an address, as for one change (`listing_change_readers`), but not a moderator who is one of them
    and made every one of the changes (they know; changes others made they are told of)."""
    makers = {notice.made_by_id for notice in notices}
    readers = organisation_members(notices[0].organisation_id).exclude(email="")
    return readers.exclude(pk__in=makers) if len(makers) == 1 and None not in makers else readers


def change_decision_readers(*, change: ServiceChange) -> QuerySet:
    """Who is emailed a moderator's decision on a change (notifications.change_decided): whoever sent
    it, or, failing that (gone, no address, or no longer able to edit the organisation's listings),
    its organisation's editors with an address."""
    submitter = change.submitted_by if change.submitted_by and change.submitted_by.email else None
    # One whose access was taken away cannot act on it (a rejection links to the listing's edit page):
    # those who still edit the organisation's listings are told instead.
    if submitter is not None and not ServiceChange.objects.filter(submitter_left(), pk=change.pk).exists():
        return get_user_model().objects.filter(pk=submitter.pk)
    return organisation_members(change.service.organisation_id).exclude(email="")


def problem_report_get_for_editor(*, user, public_id: uuid.UUID) -> ProblemReport | None:
    return (
        ProblemReport.objects.filter(public_id=public_id, service__in=service_queryset_for_editor(user=user))
        .select_related("service")
        .first()
    )


CONFIRMATION_REQUEST_KINDS = (ReviewRequest.Kind.FIRST, ReviewRequest.Kind.REMINDER, ReviewRequest.Kind.URGENT)


def service_list_confirmation_overdue(*, today: date) -> QuerySet[Service]:
    """Published, not closed, and not confirmed by a person for 12 months (or ever): for moderators.

    Each service gets `confirmation_requests`, the requests to confirm it that `send_review_requests`
    sent, oldest first (one query for a page of services); `requests_this_cycle` picks this cycle's.
    """
    return (
        Service.objects.published()
        .exclude(status=Service.Status.CLOSED)
        .filter(_overdue(today))
        .select_related("organisation")
        .prefetch_related(Prefetch(
            "review_requests",
            queryset=ReviewRequest.objects.filter(kind__in=CONFIRMATION_REQUEST_KINDS).order_by("sent_at", "id"),
            to_attr="confirmation_requests",
        ))
        .order_by("last_confirmed_at", in_language("name"), "id")
    )


def requests_this_cycle(service: Service) -> list[ReviewRequest]:
    """The confirmation requests sent since the listing was last confirmed (or listed): the ones
    still unanswered. Those of an earlier cycle were answered by the confirmation since. Pure: reads
    what `service_list_confirmation_overdue` fetched."""
    confirmed_on = service.last_confirmed_at or timezone.localdate(service.created_at)
    basis = reminders.confirmation_basis(confirmed_on)
    return [request for request in service.confirmation_requests if request.basis == basis]


def area_names() -> dict[str, str]:
    """Each area's name in the active language (English where no Welsh name is known)."""
    return {code: area_display_name(name, name_cy)
            for code, name, name_cy in Area.objects.values_list("code", "name", "name_cy")}


def coverage_codes(service: Service) -> list[str]:
    return sorted(area.code for area in service.coverage_areas.all())


def service_snapshot(service: Service) -> dict:
    """The live, editable values of one service (one query for its coverage)."""
    return fields.snapshot(service, list(service.coverage_areas.values_list("code", flat=True)))


def service_location_entries(*, service: Service) -> list[dict]:
    """Where the service is based as the public sees it now: proposal entries (fields.location_entry). One query."""
    locations = Location.objects.filter(service_at_locations__service=service)
    return fields.sorted_locations([fields.location_entry(location) for location in locations])


def service_live(*, service: Service) -> dict:
    """The listing as the public sees it now, with where it is based (fields.LOCATIONS) and what of it
    its import left unsaid (fields.UNSTATED): what a change is shown and decided against. Two queries."""
    return {**service_snapshot(service), fields.LOCATIONS: service_location_entries(service=service),
            fields.UNSTATED: list(service.unstated_by_import)}


def change_get_pending_new_listing(*, service: Service) -> ServiceChange | None:
    """The request to publish a listing never published, while it waits for a moderator. None, with
    no query, for a published listing."""
    if service.is_published:
        return None
    return service.changes.filter(state=ServiceChange.State.PENDING, kind=ServiceChange.Kind.NEW).first()


def change_get_pending_edit(*, service: Service) -> ServiceChange | None:
    """The provider's proposal waiting for approval on a published listing, if there is one."""
    return service.changes.filter(state=ServiceChange.State.PENDING, kind=ServiceChange.Kind.EDIT).first()


def service_location_entries_proposed(*, service: Service) -> list[dict]:
    """Where the service is based as its provider last said: the pending proposal's list, else the live one."""
    change = service.changes.filter(state=ServiceChange.State.PENDING, kind=ServiceChange.Kind.EDIT).first()
    if change is not None and fields.LOCATIONS in change.proposed:
        return change.proposed[fields.LOCATIONS]
    return service_location_entries(service=service)


@dataclass(frozen=True)
class HistoryEntry:
    history_id: int
    when: datetime
    who: str
    kind: str
    reason: str
    changes: list[fields.FieldDiff]
    restorable: bool = True
    published: bool = False  # the version that first showed the listing to the public (a new one approved)


HISTORY_LIMIT = 200


def person_shown(*, viewer, organisation_id: int) -> Callable[[Any], str]:
    """How a listing's history names whoever did something to it, for `viewer`.

    A moderator sees addresses. A provider sees their own organisation's editors' addresses (as they see
    each other's on the organisation's pages), a moderator by role (as every email names them), and anyone
    else (a colleague who has left, say) as someone outside the organisation: a moderator is not a name
    a provider needs, and no page tells them who the moderators are. Two queries, however many rows."""
    def address(user) -> str:
        return user.email or user.username

    if is_moderator(viewer):
        return lambda user, after_by=False: address(user) if user else ""
    members = set(Membership.objects.filter(organisation_id=organisation_id).values_list("user_id", flat=True))
    moderators = set(moderators_at_any_time().values_list("pk", flat=True))

    def shown(user, *, after_by: bool = False) -> str:
        # after_by: to follow "by" ("gan" in Welsh, which mutates the word after it).
        if user is None:
            return ""
        if user.pk in members:
            return address(user)
        if user.pk in moderators:
            return pgettext("after by", "a moderator") if after_by else gettext("a moderator")
        return (pgettext("after by", "someone outside your organisation") if after_by
                else gettext("someone outside your organisation"))

    return shown


_HISTORY_KIND = {"+": gettext_lazy("Created"), "~": gettext_lazy("Changed"), "-": gettext_lazy("Deleted")}

# Why a version was made is stored as English text (django-simple-history's change reason), written
# by directory/listings/services.py and directory/bulk_update.py. The ones this app writes are
# translated when shown; anything else (an import's own reason) is shown as stored.
_REASONS = {
    "Edited: published at once": gettext_lazy("Edited: published at once"),
    "Created": gettext_lazy("Created"),
    "Created: waiting for approval": gettext_lazy("Created: waiting for approval"),
    "Confirmed as still correct": gettext_lazy("Confirmed as still correct"),
    "CSV bulk update": gettext_lazy("CSV bulk update"),
}
_APPROVED = re.compile(r"Approved change (\d+)")
_RESTORED = re.compile(r"Restored the version of (\d{2} \w{3} \d{4} \d{2}:\d{2})")
RESTORED_DATE_FORMAT = "%d %b %Y %H:%M"  # as services.service_restore writes it


def history_reason_display(reason: str) -> str:
    """A stored change reason in the active language, where it is one this app writes."""
    if reason in _REASONS:
        return str(_REASONS[reason])
    if match := _APPROVED.fullmatch(reason):
        return gettext("Approved change %(number)s") % {"number": match.group(1)}
    if match := _RESTORED.fullmatch(reason):
        try:
            when = datetime.strptime(match.group(1), RESTORED_DATE_FORMAT)  # English month names
        except ValueError:
            return reason
        return gettext("Restored the version of %(date)s") % {"date": date_format(when, "j M Y, H:i")}
    return reason


def service_history(*, service: Service, viewer, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Every recorded version of a service, newest first, each with what changed from the one before,
    and by whom as `viewer` may see it (`person_shown`).

    Five queries: the versions, their coverage, the area names, who is a member, who moderates.
    """
    shown = person_shown(viewer=viewer, organisation_id=service.organisation_id)
    records = list(service.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
    m2m_model = type(service).history.model.coverage_areas.model
    codes: dict[int, list[str]] = {r.history_id: [] for r in records}
    for history_id, code in m2m_model.objects.filter(history__in=[r.history_id for r in records]).values_list(
        "history_id", "area__code"
    ):
        codes[history_id].append(code)
    names = area_names()
    snapshots = [fields.snapshot(r, codes[r.history_id]) for r in records]
    entries = []
    for index, record in enumerate(records):
        newer = records[index - 1] if index else None
        older = snapshots[index + 1] if index + 1 < len(snapshots) else {}
        user = record.history_user
        entries.append(
            HistoryEntry(
                history_id=record.history_id,
                when=record.history_date,
                who=shown(user, after_by=True),
                kind=str(_HISTORY_KIND.get(record.history_type, record.history_type)),
                reason=history_reason_display(record.history_change_reason or ""),
                changes=fields.diff(
                    older, snapshots[index], names, unstated_before=records[index + 1].unstated_by_import,
                    unstated_after=record.unstated_by_import,
                ) if older else [],
                restorable=not _is_first_half_of_one_save(record, newer),
                # Approving a new listing changes none of its fields: "No change" said nothing had happened.
                published=record.is_published and index + 1 < len(records) and not records[index + 1].is_published,
            )
        )
    return entries


# Before one save recorded one version, saving a listing and then its areas recorded two, a moment
# apart: the first (for a new listing, one covering nowhere) was never the listing anyone saw.
HALF_SAVE_WITHIN = timedelta(seconds=2)


def _is_first_half_of_one_save(record, newer) -> bool:
    return (
        newer is not None
        and newer.history_type == "~"
        and newer.history_user_id == record.history_user_id
        and (newer.history_change_reason or "") == (record.history_change_reason or "")
        and newer.history_date - record.history_date <= HALF_SAVE_WITHIN
    )


def service_history_record(*, service: Service, history_id: int):
    """A version of the service that can be restored: None for one that was only half of a save."""
    record = service.history.filter(history_id=history_id).first()
    if record is None:
        return None
    newer = service.history.filter(history_id__gt=record.history_id).order_by("history_id").first()
    return None if _is_first_half_of_one_save(record, newer) else record


def history_record_coverage_codes(record) -> list[str]:
    return sorted(record.coverage_areas.values_list("area__code", flat=True))
