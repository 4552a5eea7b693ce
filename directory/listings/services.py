"""Writes: wait updates, confirmation, edits and new listings, where a service is based, approval,
restore, problem reports, an organisation's contact details.

Every write is atomic, validates the model before saving, and is recorded in the service's
history (django-simple-history) with who did it and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory import mail, mail_language
from directory.accounts.languages import emails_by_language
from directory.accounts.roles import is_moderator
from directory.listings import fields, notifications, selectors
from directory.listings.selectors import (
    RESTORED_DATE_FORMAT,
    area_names,
    change_get_pending_edit,
    history_record_coverage_codes,
    service_live,
    service_location_entries,
    service_snapshot,
)
from directory.models import (
    UNSTATED_FIELDS,
    Area,
    Location,
    ModeratorChangeNotice,
    Organisation,
    ProblemReport,
    Service,
    ServiceAtLocation,
    ServiceChange,
    WaitingTimeReport,
    stated_by_change,
)
from directory.postcodes import PostcodePoint, parse_postcode, unit_postcode_point

CHANGE_NOT_PENDING = _("This change has already been decided.")
# Nobody decided it: its provider sent a later version (a moderator's emailed link still leads here).
CHANGE_REPLACED = _("The provider has sent a later version of this change since, so it has not been decided. "
                    "Review the later version instead.")
CHANGE_WITHDRAWN = _("The provider has taken this change back since, so there is nothing to decide.")
LIVE_CHANGED_SINCE_OPENED = _(
    "Someone saved this listing after you opened this page, changing what this change would change, so it "
    "has not been approved. Check it again below, then approve."
)
CHANGED_SINCE_OPENED = _(
    "The provider changed this listing after you opened this page, so it has not been published. "
    "Check it again below, then approve."
)
REJECTION_NEEDS_REASON = _("Give a reason so the provider knows what to fix.")
REPORT_ALREADY_RESOLVED = _("This report has already been resolved.")
REPORT_ALREADY_OPEN = _("This report is already open.")
UNKNOWN_AREA = _("Unknown area code: %(code)s")

logger = logging.getLogger(__name__)

# A moderator's work on a provider's listings is often several saves a few minutes apart (three
# locations put right one by one, then the wait). After an email telling an organisation's editors
# of moderators' changes, the changes made in the next while are held, and told together: in the
# email about the first change made after it (which lists every one held), or, if none is, in the
# morning's send_review_requests. Not a later email of its own: nothing runs often enough to send one.
MODERATOR_CHANGES_QUIET_FOR = timedelta(hours=1)


def _record_as(row: Service | Organisation | Location, by, reason: str) -> None:
    # simple-history reads these when the next save writes the historical row (outside a request
    # the middleware is not there to say who did it).
    row._history_user = by
    row._change_reason = reason


def _apply(service: Service, values: dict[str, Any]) -> None:
    """Set JSON-safe `values` on the row (not saved); coverage is set separately. A fact an import
    left unsaid (`Service.unstated_by_import`) whose value this changes is stated from now on."""
    changed = []
    for field, value in values.items():
        if field == fields.COVERAGE:
            continue
        if field in fields.DECIMAL_FIELDS:
            value = Decimal(value)
        if getattr(service, field) != value:
            changed.append(field)
        setattr(service, field, value)
    service.unstated_by_import = stated_by_change(service.unstated_by_import, changed)


def _set_coverage(service: Service, codes: list[str]) -> None:
    areas = list(Area.objects.filter(code__in=codes))
    missing = set(codes) - {a.code for a in areas}
    if missing:
        raise ValidationError(UNKNOWN_AREA % {"code": ", ".join(sorted(missing))})
    service.coverage_areas.set(areas)


def _save(service: Service, values: dict[str, Any], *, by, reason: str, unstated: list[str] | None = None) -> None:
    """Save `values` as one recorded version, coverage included.

    Saving the row and then setting its areas recorded two versions (the first with the old
    areas, or none for a new listing), a minute apart at most: restoring the first put back a
    listing that never existed (a new one with no areas at all). So the areas are set with
    history off, and the version is recorded once both are in place.
    """
    _apply(service, values)
    if unstated is not None:  # a version restored: what it left unsaid is unsaid again
        service.unstated_by_import = list(unstated)
    service.full_clean()
    _record_as(service, by, reason)
    if fields.COVERAGE not in values:
        service.save()
        return
    creating = service.pk is None
    service.skip_history_when_saving = True
    try:
        if creating:
            service.save()  # the row must exist before it can have areas
        _set_coverage(service, values[fields.COVERAGE])
    finally:
        del service.skip_history_when_saving
    service.save()  # records the version, with its areas
    if creating:
        # The row was first saved unrecorded, so the recorded save was an update: it is the creation.
        service.history.filter(history_id=service_version(service)).update(history_type="+")


@dataclass(frozen=True)
class WaitUpdateResult:
    report: WaitingTimeReport
    provider_told: bool = False  # a moderator's change, emailed to the listing's provider (or held for the next)


@transaction.atomic
def wait_update(*, service: Service, weeks: int, referrals_open: bool, by) -> WaitUpdateResult:
    """Add today's wait to the history (never overwrites) and publish it at once.

    Giving the wait again, even unchanged, is what verifies it: its age counts from today.
    A moderator's wait that differs from the one shown is told to the provider (social workers decide
    on it); the same wait given again is not: like a confirmation, it changes nothing they said.
    Whether it is, the result says (so the moderator's page can say so).
    """
    before = selectors.service_current_wait(service=service)
    report = WaitingTimeReport(
        service=service, weeks=weeks, referrals_open=referrals_open,
        as_of=timezone.localdate(), recorded_at=timezone.now(), recorded_by=by,
    )
    report.full_clean()
    report.save()
    told = False
    if before is None or (before.weeks, before.referrals_open) != (weeks, referrals_open):
        told = _tell_provider(service, changed=[fields.WAIT], by=by)
    return WaitUpdateResult(report=report, provider_told=told)


@transaction.atomic
def service_confirm(*, service: Service, by, states_unstated: bool = False) -> Service:
    """"Everything is still correct": the listing was checked by a person today.

    `states_unstated`: confirmed on the edit page, which shows the values of the facts an import
    left unsaid and says so beside each: confirming them there states them. (The dashboard's button
    shows none of them, and leaves them "Not stated".) Not the ages, on a published listing, unless
    a moderator confirms: they decide who is referred, and a provider's change to them waits for a
    moderator, so a provider's tick must not publish the stored 0 to 25 as stated either.

    A moderator's confirmation is told to the provider only for the facts it stated (the public saw
    "Not stated" and now sees the values). The date it was last checked is all it changes otherwise:
    nothing the provider said, so nothing for them to check, and an email a month per listing from
    moderators' routine checks would teach them to skip the ones that matter."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    unstated_before = set(service.unstated_by_import)
    service.last_confirmed_at = timezone.localdate()
    service.confirmed_by = by
    update = ["last_confirmed_at", "confirmed_by", "updated_at"]
    if states_unstated and service.unstated_by_import:
        moderated = service.is_published and not is_moderator(by)
        service.unstated_by_import = [
            code for code in service.unstated_by_import
            if moderated and not set(UNSTATED_FIELDS.get(code, ())).isdisjoint(fields.MODERATED_FIELDS)
        ]
        update.append("unstated_by_import")
    _record_as(service, by, "Confirmed as still correct")
    service.save(update_fields=update)
    stated = unstated_before - set(service.unstated_by_import)
    _tell_provider(service, changed=[f for code in sorted(stated) for f in UNSTATED_FIELDS.get(code, ())], by=by)
    return service


def service_version(service: Service) -> int | None:
    """The id of the service's latest recorded version: what an edit form was opened on."""
    return service.history.order_by("-history_id").values_list("history_id", flat=True).first()


class EditConflict(Exception):
    """Someone else saved the listing (or sent a proposal for it) after this edit form was opened, and
    changed some of the same fields to something else. Nothing was saved; `version` (and `change`) is
    what a form shown again is opened on."""

    def __init__(self, *, version: int | None, changed_by: str, changed_at: datetime | None,
                 clashes: list[fields.FieldDiff], change: int | None = None):
        super().__init__("The listing changed since the form was opened.")
        self.version, self.changed_by, self.changed_at, self.clashes = version, changed_by, changed_at, clashes
        self.change = change  # the proposal pending now (0 for none), for a provider's form shown again


def _proposal_values(change: ServiceChange | None) -> dict[str, Any]:
    """The form's values a pending proposal shows over the live listing (where it is based is not on the form)."""
    return {k: v for k, v in change.proposed.items() if k != fields.LOCATIONS} if change is not None else {}


def _last_changed_by(
    latest, opened_version: int, pending: ServiceChange | None, proposal_moved: bool,
) -> tuple[str, datetime | None]:
    """Who made the latest of the changes since the form was opened, and when: a saved version, or a
    proposal sent since (a decided one, with no successor, is not named: "someone else")."""
    saves = []
    if latest is not None and latest.history_id != opened_version:
        saves.append((latest.history_date, latest.history_user))
    if proposal_moved and pending is not None:
        saves.append((pending.submitted_at, pending.submitted_by))
    if not saves:
        return "", None
    when, user = max(saves, key=lambda save: save[0])
    return (user.email or user.username) if user else "", when


def _merge_with_later_changes(service: Service, live: dict[str, Any], values: dict[str, Any],
                              opened_version: int, opened_change: int | None = None) -> dict[str, Any]:
    """What to save when the form was opened on an older version of the listing.

    A form submits every field, so saving it as it stands would put back, silently, whatever
    anyone saved since it was opened. What the person saving means is what they changed: so
    only the fields they changed from the version they saw are applied, over the listing as it
    is now. Where someone else has since changed one of the same fields to something different,
    neither can be chosen for them: EditConflict, and the form is shown again with both values.

    A provider's form also shows the proposal waiting for approval over the live listing, and
    saving it replaces that proposal: `opened_change` is the one it showed (its id, 0 for none).
    If another has been sent since (a colleague in another tab), what the form sees and what it
    replaces is the listing with that proposal, so the colleague's proposal is not withdrawn
    unseen by an edit of something else. None: the form did not say (the proposal is not weighed).
    """
    latest = service.history.select_related("history_user").order_by("-history_id").first()
    pending = change_get_pending_edit(service=service) if opened_change is not None else None
    proposal_moved = opened_change is not None and (pending.pk if pending else 0) != opened_change
    if not proposal_moved and (latest is None or latest.history_id == opened_version):
        return values
    opened = service.history.filter(history_id=opened_version).first()
    # A version not of this listing (a tampered or very old form) gives no base: every difference clashes.
    # With no version recorded at all the row is as the form saw it (every save records one).
    known_base = opened is not None or latest is None
    base = fields.snapshot(opened, history_record_coverage_codes(opened)) if opened is not None else live
    now = live
    if opened_change is not None:
        base = {**base, **_proposal_values(service.changes.filter(pk=opened_change).first())}
        now = {**live, **_proposal_values(pending)}
    mine = fields.changed(base, values, fields.EDITABLE_FIELDS)
    theirs = fields.changed(base, now, fields.EDITABLE_FIELDS) if known_base else dict(mine)
    clashes = {f: v for f, v in mine.items() if f in theirs and v != now.get(f)}
    if clashes:
        changed_by, changed_at = _last_changed_by(latest, opened_version, pending, proposal_moved)
        raise EditConflict(
            version=latest.history_id if latest is not None else 0,
            change=pending.pk if pending is not None else 0,
            changed_by=changed_by, changed_at=changed_at,
            # What the import left unsaid reads so under "Saved now", where a proposal does not state it.
            clashes=fields.diff(now, clashes, area_names(), unstated_before=fields.unstated_after(
                service.unstated_by_import, live, now)),
        )
    return {**now, **mine}


@dataclass(frozen=True)
class EditResult:
    published: list[str]
    pending: ServiceChange | None
    provider_told: bool = False  # a moderator's change, emailed to the listing's provider


def form_values(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    """A ServiceForm's cleaned data as JSON-safe values for every editable field."""
    values = {}
    for field in fields.EDITABLE_FIELDS:
        value = cleaned_data.get(field)
        if field == fields.COVERAGE:
            value = [area.code for area in (value or [])]
        values[field] = fields.normalise(field, value)
    return values


def form_values_from_service(service: Service, **overrides: Any) -> dict[str, Any]:
    """The service's live values with some replaced: what an edit form would submit (tests, imports)."""
    return {**service_snapshot(service), **{k: fields.normalise(k, v) for k, v in overrides.items()}}


def _propose(service: Service, moderated: dict[str, Any], *, by) -> ServiceChange | None:
    """Keep one pending change per service holding what the provider's latest edit proposes.

    An unpublished listing whose NEW change was rejected is resubmitted by editing it.
    """
    existing = service.changes.filter(state=ServiceChange.State.PENDING).first()
    now = timezone.now()
    if not service.is_published:
        kind, proposed = ServiceChange.Kind.NEW, {}
        if existing:
            return existing
    else:
        kind, proposed = ServiceChange.Kind.EDIT, moderated
        if existing and existing.proposed == moderated:
            return existing  # unchanged proposal: keep its place in the queue
        if existing:
            existing.state = ServiceChange.State.WITHDRAWN
            existing.decided_at = now
            # As for a decision: its page shows what it would have changed, not the listing then moved on.
            existing.live_when_decided = service_live(service=service)
            existing.save(update_fields=["state", "decided_at", "live_when_decided"])
        if not moderated:
            return None
    # A replacement is sent at the moment its predecessor is withdrawn: that is how the two are
    # told apart from a change withdrawn with nothing in its place (selectors.REPLACED_BY_LATER).
    change = ServiceChange(service=service, kind=kind, proposed=proposed, submitted_by=by, submitted_at=now)
    change.full_clean()
    change.save()
    _tell_moderators(change, replacing=existing)
    return change


def _tell_moderators(change: ServiceChange, *, replacing: ServiceChange | None = None) -> None:
    notifications.change_submitted(change, replacing=replacing,
                                   sent=lambda: change_moderators_emailed(change_pk=change.pk))


@transaction.atomic
def change_moderators_emailed(*, change_pk: int) -> None:
    """Record that the moderators were emailed about a change sent for approval, so the daily digest
    (send_review_requests) leaves it out. Called once the email went (after the commit that saved the
    change); a time the digest already recorded is kept."""
    ServiceChange.objects.filter(pk=change_pk, moderators_emailed_at=None).update(moderators_emailed_at=timezone.now())


@transaction.atomic
def service_edit(
    *, service: Service, values: dict[str, Any], by, confirm: bool = False, opened_version: int | None = None,
    opened_change: int | None = None, locations: list[dict[str, Any]] | None = None,
    locations_since: datetime | None = None,
) -> EditResult:
    """Save a full edit. Moderators, and listings not yet published, change at once.

    `opened_version` is the version the form was opened on (`service_version`): if the listing
    has changed since, only what this person changed is applied, or EditConflict is raised
    (`_merge_with_later_changes`). Without it the values are taken as they are (imports, tests).
    `opened_change` is the pending proposal a provider's form showed (its id, 0 for none): one sent
    since is kept, and merged with, rather than replaced unseen.

    A provider's edit to a published listing publishes contact details, description and the
    like at once, and puts changes to what decides who is referred in one pending ServiceChange
    (replacing any earlier pending one: the form showed its values). Editing is not verifying:
    the date last confirmed moves only when `confirm` is ticked.

    `locations`, a whole list of where the service is based first proposed at `locations_since`
    (a change that was not approved, started again), is proposed with the edit under the rules of a
    new proposal (`_locations_proposal`). Without it a pending proposal of locations stays as it is.
    """
    service = Service.objects.select_for_update().get(pk=service.pk)
    live = service_snapshot(service)
    if opened_version is not None:
        values = _merge_with_later_changes(service, live, values, opened_version, opened_change)
    immediate = fields.changed(live, values, fields.EDITABLE_FIELDS)
    moderated: dict[str, Any] = {}
    if service.is_published and not is_moderator(by):
        moderated = fields.changed(live, values, fields.MODERATED_FIELDS)
        immediate = fields.changed(live, values, fields.IMMEDIATE_FIELDS)
        # The proposal must make a valid listing with everything else as it will be.
        candidate = Service.objects.get(pk=service.pk)
        _apply(candidate, {**immediate, **moderated})
        candidate.full_clean()
    provider_told = False
    if immediate:
        _save(service, immediate, by=by, reason="Edited: published at once")
        provider_told = _tell_provider(service, changed=list(immediate), by=by)
    pending = None
    if not is_moderator(by):
        # The form does not hold where the service is based: a pending proposal of it stays.
        proposed_locations = (
            _pending_locations(service) if locations is None
            else _locations_proposal(service, locations, since=locations_since, by=by)
        )
        pending = _propose(service, {**moderated, **proposed_locations}, by=by)
    if confirm:
        service_confirm(service=service, by=by, states_unstated=True)
    return EditResult(published=sorted(immediate), pending=pending, provider_told=provider_told)


@transaction.atomic
def service_create(*, organisation: Organisation, values: dict[str, Any], by, confirm: bool = True) -> Service:
    """Add a listing. A provider's waits unpublished for a moderator; a moderator's is published."""
    published = is_moderator(by)
    service = Service(organisation=organisation, is_published=published)
    if confirm:
        service.last_confirmed_at = timezone.localdate()
        service.confirmed_by = by
    _save(service, values, by=by, reason="Created" if published else "Created: waiting for approval")
    if not published:
        change = ServiceChange(service=service, kind=ServiceChange.Kind.NEW, proposed={}, submitted_by=by)
        change.full_clean()
        change.save()
        _tell_moderators(change)
    return service


def imported_hold(service_pks: list[int]) -> None:
    """Put new services an import made unpublished (their records do not state the criteria a
    social worker decides on) in the moderators' review queue, as new listings.

    Nobody is emailed: one import can hold thousands; the moderation page lists them with why."""
    ServiceChange.objects.bulk_create([
        ServiceChange(service_id=pk, kind=ServiceChange.Kind.NEW, proposed={},
                      held_because=ServiceChange.Held.CRITERIA_NOT_STATED)
        for pk in service_pks
    ])


def _pending_locations(service: Service) -> dict[str, Any]:
    pending = service.changes.filter(state=ServiceChange.State.PENDING, kind=ServiceChange.Kind.EDIT).first()
    if pending is None or fields.LOCATIONS not in pending.proposed:
        return {}
    return {fields.LOCATIONS: pending.proposed[fields.LOCATIONS]}


def _locations_proposal(
    service: Service, entries: list[dict[str, Any]], *, since: datetime | None, by,
) -> dict[str, Any]:
    """`entries` as a proposal of where the service is based, made as safe as a new one: every address
    withheld since `since` kept withheld (`keep_withheld_since`), each one the list withholds
    withheld at once, and nothing proposed if it is where the service is based now. Shared locations
    and map points need nothing here: approval never changes a location for another service, and
    takes a point only from a postcode we hold (`_apply_locations`)."""
    entries = fields.sorted_locations(entries)
    if since is not None:
        entries = keep_withheld_since(entries, since=since)
    _withhold_at_once(service, entries, by=by)
    if entries == service_location_entries(service=service):
        return {}
    return {fields.LOCATIONS: entries}


def location_point(postcode: str) -> PostcodePoint | None:
    """The map point of a location's postcode: a full unit postcode we hold, else None (no point)."""
    parsed = parse_postcode(postcode)
    return unit_postcode_point(parsed) if parsed is not None else None


@dataclass(frozen=True)
class LocationsResult:
    applied: bool  # published at once (a moderator's change, or a listing not yet published)
    pending: ServiceChange | None  # else what waits for a moderator, if anything does
    withheld: list[str]  # the locations whose address was withheld at once


@transaction.atomic
def service_locations_update(*, service: Service, locations: list[dict[str, Any]], by) -> LocationsResult:
    """Say where a service is based: `locations` is its whole new list (`fields.location_entry`).

    Withholding an address (ticking "do not publish") takes effect at once, for every service based
    there: the address was the secret, whoever else lists it. Anything else a provider changes on a
    published listing (a new location, a changed address, an address to be shown again, one
    removed) is proposed in its one pending ServiceChange, with whatever else it proposes, and
    the public sees none of it until a moderator approves (`change_approve`). A moderator's change,
    or one to a listing not yet published, applies at once.
    """
    service = Service.objects.select_for_update().get(pk=service.pk)
    locations = fields.sorted_locations(locations)
    before = service_location_entries(service=service)
    withheld = _withhold_at_once(service, locations, by=by)
    if is_moderator(by) or not service.is_published:
        _apply_locations(service, locations, by=by, reason="Edited: published at once")
        # One change for the whole list, however many locations it changed; saves soon after another
        # are told together (MODERATOR_CHANGES_QUIET_FOR).
        if service_location_entries(service=service) != before:
            _tell_provider(service, changed=[fields.LOCATIONS], by=by)
        return LocationsResult(applied=True, pending=None, withheld=withheld)
    existing = service.changes.filter(state=ServiceChange.State.PENDING, kind=ServiceChange.Kind.EDIT).first()
    moderated = {k: v for k, v in (existing.proposed if existing else {}).items() if k != fields.LOCATIONS}
    if locations != service_location_entries(service=service):
        moderated[fields.LOCATIONS] = locations
    return LocationsResult(applied=False, pending=_propose(service, moderated, by=by), withheld=withheld)


def _withhold_at_once(service: Service, entries: list[dict[str, Any]], *, by) -> list[str]:
    hide = {entry["id"] for entry in entries if entry["do_not_publish_address"]}
    withheld = []
    for location in Location.objects.filter(
        service_at_locations__service=service, do_not_publish_address=False
    ).select_for_update(of=("self",)):
        if str(location.public_id) in hide:
            location.do_not_publish_address = True
            _save_location(location, by=by, reason="Address withheld")
            withheld.append(location.name)
    return withheld


def keep_withheld_since(entries: list[dict[str, Any]], *, since) -> list[dict[str, Any]]:
    """`entries` with each address withheld after they were proposed still withheld.

    A proposal lists every location as it stood when sent. If an address was withheld since (for
    this service or another based there), approving the proposal would show it again: the address
    is kept withheld unless the proposal itself asked to show an address that was withheld when it
    was sent. A location with no history that far back is kept withheld too.

    Any location the entries name is looked at, not only those the service is based at now: one it
    was unlinked from since would be copied, address and all, when the proposal is approved."""
    withheld_now = {
        str(location.public_id): location
        for location in Location.objects.filter(
            public_id__in=[entry["id"] for entry in entries], do_not_publish_address=True,
        )
    }
    kept = []
    for entry in entries:
        location = withheld_now.get(entry["id"])
        if location is not None and not entry["do_not_publish_address"]:
            then = location.history.filter(history_date__lte=since).order_by("-history_date").first()
            if then is None or not then.do_not_publish_address:
                entry = {**entry, "do_not_publish_address": True}
        kept.append(entry)
    return kept


def _save_location(location: Location, *, by, reason: str) -> None:
    location.full_clean()
    location._history_user = by
    location._change_reason = reason
    location.save()  # its signal renews the renderings of every service based there


def _set_location(location: Location, entry: dict[str, Any], *, by, reason: str) -> None:
    # The point follows the postcode; one a moderator set on an unchanged postcode is kept.
    if location.latitude is None or entry["postcode"] != location.postcode:
        point = location_point(entry["postcode"])
        location.latitude, location.longitude = (point.latitude, point.longitude) if point else (None, None)
    for field in fields.LOCATION_FIELDS:
        setattr(location, field, entry[field])
    _save_location(location, by=by, reason=reason)


def _apply_locations(service: Service, entries: list[dict[str, Any]], *, by, reason: str) -> None:
    """Make the service based at `entries`. A location another service is based at too is never
    changed or deleted for it: this service gets a changed copy of its own, or is only unlinked."""
    links = {str(link.location.public_id): link for link in service.service_at_locations.select_related("location")}
    for entry in map(fields.complete_entry, entries):
        link = links.pop(entry["id"], None)
        if link is None:
            location = Location(organisation=service.organisation)
            _set_location(location, entry, by=by, reason=reason)
            link = ServiceAtLocation(service=service, location=location)
            link.full_clean()
            link.save()
        elif fields.location_entry(link.location) != entry:
            location = link.location
            if location.service_at_locations.exclude(pk=link.pk).exists():
                location = Location(
                    organisation=location.organisation, postcode=location.postcode,
                    latitude=location.latitude, longitude=location.longitude,
                )
                _set_location(location, entry, by=by, reason=reason)
                link.location = location
                link.save()
            else:
                _set_location(location, entry, by=by, reason=reason)
    for link in links.values():
        link.delete()  # the location stays, for any other service based there


def _lock_pending(change: ServiceChange) -> ServiceChange:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to submitted_by.
    change = (
        ServiceChange.objects.select_for_update(of=("self",)).select_related("service", "submitted_by").get(pk=change.pk)
    )
    if change.state == ServiceChange.State.WITHDRAWN:
        # Withdrawn by a later proposal, or by an edit that put the listing back as it is live.
        if change_get_pending_edit(service=change.service) is not None:
            raise ValidationError(CHANGE_REPLACED, code="replaced")
        raise ValidationError(CHANGE_WITHDRAWN, code="withdrawn")
    if change.state != ServiceChange.State.PENDING:
        raise ValidationError(CHANGE_NOT_PENDING, code="not_pending")
    return change


@transaction.atomic
def change_approve(*, change: ServiceChange, by, seen_version: int | None = None) -> ServiceChange:
    """Publish a pending change (or new listing) and tell the provider.

    A new listing is published as it stands, and its provider may still edit it. With
    `seen_version`, the version the moderator's page showed (`service_version`, 0 for none), a
    listing edited since is not published (ValidationError): nobody publishes what no moderator
    has seen. An edit's proposal cannot change under the moderator (a new one gets a new id).
    """
    change = _lock_pending(change)
    service = Service.objects.select_for_update().get(pk=change.service_id)
    if change.kind == ServiceChange.Kind.NEW and seen_version is not None:
        if (service_version(service) or 0) != seen_version:
            raise ValidationError(CHANGED_SINCE_OPENED, code="changed")
    elif seen_version is not None and _proposed_fields_changed_since(service, change, seen_version):
        raise ValidationError(LIVE_CHANGED_SINCE_OPENED, code="changed")
    # Kept on it: once approved the listing holds its values, and no longer shows what it changed.
    change.live_when_decided = service_live(service=service)  # before it is applied
    if change.kind == ServiceChange.Kind.NEW:
        service.is_published = True
    proposed = dict(change.proposed)
    locations = proposed.pop(fields.LOCATIONS, None)
    if proposed or change.kind == ServiceChange.Kind.NEW:  # a change only to locations leaves the row as it is
        _save(service, proposed, by=by, reason=f"Approved change {change.pk}")
    if locations is not None:
        locations = keep_withheld_since(locations, since=change.submitted_at)
        _apply_locations(service, locations, by=by, reason=f"Approved change {change.pk}")
    change.state = ServiceChange.State.APPROVED
    change.decided_by = by
    change.decided_at = timezone.now()
    change.save(update_fields=["state", "decided_by", "decided_at", "live_when_decided"])
    notifications.change_decided(change)
    return change


def _proposed_fields_changed_since(service: Service, change: ServiceChange, seen_version: int) -> bool:
    """Whether a field an edit proposes is live now with another value than the moderator's page
    showed (a moderator's own edit or a bulk update since): approving wrote over it unseen, the diff
    approved no longer what was published. A save that left those fields alone does not count."""
    if (service_version(service) or 0) == seen_version:
        return False
    record = service.history.filter(history_id=seen_version).first()
    if record is None:
        return True
    then = fields.snapshot(record, history_record_coverage_codes(record))
    now = service_snapshot(service)
    return any(then.get(name) != now.get(name) for name in change.proposed if name != fields.LOCATIONS)


@transaction.atomic
def change_reject(*, change: ServiceChange, by, reason: str) -> ServiceChange:
    """Refuse a pending change with a reason the provider is emailed. The live listing is untouched."""
    if not reason.strip():
        raise ValidationError({"reason": REJECTION_NEEDS_REASON})
    change = _lock_pending(change)
    change.state = ServiceChange.State.REJECTED
    change.reason = reason.strip()
    change.decided_by = by
    change.decided_at = timezone.now()
    change.live_when_decided = service_live(service=change.service)
    change.full_clean()
    change.save(update_fields=["state", "reason", "decided_by", "decided_at", "live_when_decided"])
    notifications.change_decided(change)
    return change


@transaction.atomic
def service_restore(*, service: Service, record, by) -> Service:
    """Make the live listing what it was in an earlier recorded version (a moderator's act), what its
    import left unsaid included: the version's fillers (ages 0 to 25, ...) are put back as "Not stated",
    as the public saw them then, never published as the provider's word."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    values = fields.snapshot(record, history_record_coverage_codes(record))
    changed = fields.changed(service_snapshot(service), values, fields.EDITABLE_FIELDS)
    # Stored in English, read back for display in the page's language (selectors.history_reason_display).
    when = timezone.localtime(record.history_date).strftime(RESTORED_DATE_FORMAT)
    _save(service, values, by=by, reason=f"Restored the version of {when}", unstated=record.unstated_by_import)
    _tell_provider(service, changed=list(changed), by=by, restored=record.history_date)
    return service


def _tell_provider(service: Service, *, changed: list[str], by, restored: datetime | None = None) -> bool:
    """A moderator's change to a published listing is told to its provider (`_moderator_change`);
    whether anyone is (so the moderator's page can say so). A provider's own edits are not: they made them."""
    if not changed or not is_moderator(by) or not selectors.listing_change_readers(service=service, by=by).exists():
        return False
    _moderator_change(service.organisation_id, service=service, changed=changed, by=by, restored=restored)
    return True


def _moderator_change(organisation_id: int, *, service: Service | None, changed: list[str], by,
                      restored: datetime | None = None) -> None:
    """Record a moderator's change for the organisation's editors to be emailed, and email them, with
    any other change not yet told, once this transaction commits (`moderator_changes_send`): one
    email for every change a moderator's save made, however many services it called this for."""
    notice = ModeratorChangeNotice(organisation_id=organisation_id, service=service, changed=sorted(changed),
                                   restored=restored, made_by=by)
    notice.full_clean()
    notice.save()
    # robust: an error writing the email is logged, not made the moderator's error page (the change is saved).
    transaction.on_commit(lambda: _send_moderator_changes_logged(organisation_id), robust=True)


def _send_moderator_changes_logged(organisation_id: int) -> None:
    # After the commit: the change is saved; an email that did not go is logged, and its changes are
    # left untold for the next one (or the morning's send_review_requests).
    try:
        moderator_changes_send(organisation_id=organisation_id)
    except mail.SEND_ERRORS as error:
        logger.warning("Email not sent (moderator changes): %s", mail.describe_error(error))


def moderator_changes_send(*, organisation_id: int, quiet: bool = True) -> int:
    """Email an organisation's editors every moderator's change they were not told of yet, in one email
    (notifications.moderator_changes: written once per language, a message to each), and record them
    as told; the number of messages sent. With `quiet`, nothing while an earlier email to them is less
    than MODERATOR_CHANGES_QUIET_FOR old: the changes wait for the next (send_review_requests passes
    False). Changes with nobody left to tell are dropped.

    Recorded and sent in one transaction: an email that cannot go (the mail server's error is raised)
    leaves them untold, for the next. Another sender that recorded some of them first (two saves'
    emails at once) leaves them to it."""
    if quiet and ModeratorChangeNotice.objects.filter(
        organisation_id=organisation_id, emailed_at__gt=timezone.now() - MODERATOR_CHANGES_QUIET_FOR,
    ).exists():
        return 0
    notices = selectors.moderator_change_notices_untold(organisation_id=organisation_id)
    if not notices:
        return 0
    readers = emails_by_language(selectors.moderator_change_readers(notices=notices))
    pks = [notice.pk for notice in notices]
    if not readers:
        ModeratorChangeNotice.objects.filter(pk__in=pks, emailed_at=None).delete()
        return 0
    letters = [(mail_language.write(language, lambda: notifications.moderator_changes(notices)), addresses)
               for language, addresses in readers.items()]
    def record() -> bool:
        return ModeratorChangeNotice.objects.filter(pk__in=pks, emailed_at=None).update(
            emailed_at=timezone.now()) == len(pks)

    if not mail.send_once_recorded(record, letters):
        return 0
    return sum(len(addresses) for addresses in readers.values())


def organisation_version(organisation: Organisation) -> int | None:
    """The id of the organisation's latest recorded version: what its contact form was opened on."""
    return organisation.history.order_by("-history_id").values_list("history_id", flat=True).first()


class OrganisationEditConflict(Exception):
    """Someone saved some of the same contact details, differently, after the form was opened.
    Nothing was saved; `clashes` is {field: its value now}, `version` what a form shown again is opened on."""

    def __init__(self, *, version: int, clashes: dict[str, str]):
        super().__init__("The organisation changed since the form was opened.")
        self.version, self.clashes = version, clashes


def _organisation_values(row: Any) -> dict[str, str]:
    return {field: fields.normalise(field, getattr(row, field)) for field in fields.ORGANISATION_CONTACT_FIELDS}


@dataclass(frozen=True)
class ContactUpdateResult:
    changed: list[str]  # none: nothing was saved or recorded
    editors_told: bool = False  # a moderator's change, emailed to the organisation's editors (or held for the next)


@transaction.atomic
def organisation_contact_update(
    *, organisation: Organisation, values: dict[str, Any], by, opened_version: int | None = None,
) -> ContactUpdateResult:
    """Publish an organisation's contact details and description at once, recorded in its history
    as made by `by`; the result says which fields changed (none: nothing is saved or recorded).

    A moderator's change is told to the organisation's editors, as one to a listing (`_tell_provider`),
    and the result says whether it is (so the moderator's page can say so).

    Saving the row replaces the stored renderings of every service of the organisation (its cards
    and Open Referral documents show it: directory.version's signal receivers). As for a listing
    (`_merge_with_later_changes`), with `opened_version` only what this person changed from the
    version they saw is applied over anything saved since; the same field changed by both to
    different values is an OrganisationEditConflict.
    """
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    now = _organisation_values(organisation)
    typed = {field: fields.normalise(field, values[field]) for field in fields.ORGANISATION_CONTACT_FIELDS if field in values}
    mine = fields.changed(now, typed, fields.ORGANISATION_CONTACT_FIELDS)
    latest = organisation_version(organisation)
    if opened_version is not None and latest is not None and latest != opened_version:
        opened = organisation.history.filter(history_id=opened_version).first()
        # A version not of this organisation (a tampered or very old form) gives no base: every difference clashes.
        base = _organisation_values(opened) if opened is not None else {}
        mine = fields.changed(base, typed, fields.ORGANISATION_CONTACT_FIELDS)
        theirs = fields.changed(base, now, fields.ORGANISATION_CONTACT_FIELDS) if opened is not None else dict(mine)
        if clashes := {f: now[f] for f, v in mine.items() if f in theirs and v != now[f]}:
            raise OrganisationEditConflict(version=latest, clashes=clashes)
        mine = fields.changed(now, mine, fields.ORGANISATION_CONTACT_FIELDS)
    if not mine:
        return ContactUpdateResult(changed=[])
    for field, value in mine.items():
        setattr(organisation, field, value)
    organisation.full_clean()
    _record_as(organisation, by, "Edited: published at once")
    organisation.save()
    told = is_moderator(by) and selectors.organisation_change_readers(organisation_id=organisation.pk, by=by).exists()
    if told:
        _moderator_change(organisation.pk, service=None, changed=list(mine), by=by)
    return ContactUpdateResult(changed=list(mine), editors_told=told)


@transaction.atomic
def problem_report_create(*, service: Service, reason: str, comment: str = "") -> ProblemReport:
    """Anyone may report a problem; nothing about who reported it is kept. The people who can put
    the listing right are emailed (notifications.problem_reported), once this is committed, and whom
    is recorded, so that a flood of reports emails them once: one report at a time decides
    (`_lock_problem_reports`)."""
    _lock_problem_reports()
    report = ProblemReport(service=service, reason=reason, comment=comment.strip())
    report.full_clean()
    report.save()
    if emailed_to := notifications.problem_reported(report):
        report.emailed_to = emailed_to
        report.save(update_fields=["emailed_to"])
    return report


def _lock_problem_reports() -> None:
    """Take, until the transaction ends, the lock that lets one new report at a time decide whether
    to email. The decision reads the open reports already emailed about: two reports made at the
    same moment would each miss the other's, not yet committed, and both email the same people.
    Reports are few (and limited per client, PROBLEM_REPORT_RATE): one lock for all costs nothing.

    PostgreSQL: the table in SHARE ROW EXCLUSIVE mode, which one transaction holds at a time; reads
    (the pages that list reports) go on. SQLite has one write lock for the whole database, held to
    the commit: this statement changes no row but takes it. It must be the transaction's first: a
    writer that has not read yet waits for the lock (the connection's timeout), one that has read
    fails at once ("database is locked"), and the report would be lost."""
    table = connection.ops.quote_name(ProblemReport._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        else:
            cursor.execute(f"UPDATE {table} SET id = id WHERE 0 = 1")


@transaction.atomic
def problem_report_resolve(*, report: ProblemReport, by) -> ProblemReport:
    report = ProblemReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_open:
        raise ValidationError(REPORT_ALREADY_RESOLVED, code="resolved")
    report.resolved_at = timezone.now()
    report.resolved_by = by
    report.save(update_fields=["resolved_at", "resolved_by"])
    return report


@transaction.atomic
def problem_report_reopen(*, report: ProblemReport, by) -> ProblemReport:
    """Undo `problem_report_resolve` (a report marked resolved by mistake, or not put right after all),
    for the people who may resolve it (the views: `selectors.problem_report_get_for_editor`).

    It is open again as if never resolved: listed and counted as open, chased by its age since it was
    made (`chase_problem_reports`), and the reminder or escalation already sent for it is not sent again
    (`reminded_at`, `escalated_at` are kept). Who resolved it goes with the date; who reopened it, and
    when, is recorded instead (the last time only: a report keeps no history of its own), so that those
    who list it see it was thought put right once."""
    report = ProblemReport.objects.select_for_update().get(pk=report.pk)
    if report.is_open:
        raise ValidationError(REPORT_ALREADY_OPEN, code="open")
    report.resolved_at = None
    report.resolved_by = None
    report.reopened_at = timezone.now()
    report.reopened_by = by
    report.save(update_fields=["resolved_at", "resolved_by", "reopened_at", "reopened_by"])
    return report
