"""Moderators' CSV bulk update of every service's status and current waiting time.

Download a CSV of every service's status and current wait, edit it in a spreadsheet, upload it.
Each row is checked and every problem is reported with its row number (the header is row 1, as
a spreadsheet shows it); nothing is saved unless every row is valid. A changed wait is a new
`WaitingTimeReport` (the history is kept), never an edit of the old one.

Each row also carries when the file was downloaded (`downloaded_at`). A row left as downloaded is
left alone even if the service changed on the site meanwhile (a change approved, a wait given): the
file is compared with the service as it was then (`states_at`), so uploading an old file never undoes
them; a value changed in the file and on the site since is refused, to download again.

An upload saves nothing: a valid file with changes is shown on a check page (`summarise`), which
carries the file's text in a signed token (`sign_check`; no state on the server). Confirming runs every
check again on the services as they are then (`check_file`), as of the day of the check, with them locked
until the save (`lock_services`), and saves only if the changes are still the ones shown (`fingerprint`):
a service changed on the site in between refuses the whole file.

Parsing and checking are pure (`check_upload` takes the states as plain values); only
`current_states`, `states_at` and `check_file` read and `apply_changes` writes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django import forms
from django.core import signing
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, npgettext

from directory import unusual_waits
from directory.forms import WeeksField
from directory.models import Service, WaitingTimeReport
from directory.oruk.selectors import with_current_wait
from servicemap.csv_cells import FORMULA_STARTS, as_text_cell  # noqa: F401 (FORMULA_STARTS: tests read it here)

COLUMNS = (
    "service_id", "organisation", "service", "status", "wait_weeks", "referrals_open", "wait_as_of", "downloaded_at",
)
REQUIRED_COLUMNS = ("service_id", "status", "wait_weeks", "referrals_open", "wait_as_of")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_WAIT_WEEKS = 520
STATUSES = tuple(Service.Status.values)
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
CHANGE_REASON = "CSV bulk update"


@dataclass(frozen=True)
class CurrentState:
    """One service as the CSV shows it."""

    public_id: uuid.UUID
    organisation: str
    name: str
    status: str
    wait_weeks: int | None
    referrals_open: bool | None
    wait_as_of: date | None


@dataclass(frozen=True)
class Change:
    row: int
    public_id: uuid.UUID
    status: str | None = None  # new status, if it changes
    wait: tuple[int, bool, date] | None = None  # new report (weeks, referrals open, as of), if any


@dataclass
class UploadResult:
    changes: list[Change]
    errors: list[str]
    unchanged_rows: int = 0
    # The errors are about the whole file (not a CSV, wrong header, no rows, too many), not rows in it.
    whole_file: bool = False


def current_states() -> list[CurrentState]:
    """Every service with its current wait, in organisation then service order. One query."""
    rows = with_current_wait(Service.objects.select_related("organisation")).order_by("organisation__name", "name")
    return [
        CurrentState(
            s.public_id, s.organisation.name, s.name, s.status, s.current_wait_weeks, s.current_referrals_open,
            s.current_wait_as_of,
        )
        for s in rows
    ]


def states_at(moment: datetime) -> dict[uuid.UUID, CurrentState]:
    """Every service as it was at `moment` (its status in its change history, its latest wait then),
    keyed by public id; services made since are left out. One query (two subqueries a column)."""
    history = Service.history.filter(id=OuterRef("pk"), history_date__lte=moment).order_by("-history_date", "-history_id")
    waits = WaitingTimeReport.objects.filter(service=OuterRef("pk"), recorded_at__lte=moment).order_by(
        "-as_of", "-recorded_at", "-id"
    )
    rows = Service.objects.annotate(
        status_then=Subquery(history.values("status")[:1]),
        weeks_then=Subquery(waits.values("weeks")[:1]),
        open_then=Subquery(waits.values("referrals_open")[:1]),
        as_of_then=Subquery(waits.values("as_of")[:1]),
    ).filter(status_then__isnull=False).values_list("public_id", "status_then", "weeks_then", "open_then", "as_of_then")
    return {
        public_id: CurrentState(public_id, "", "", status, weeks, referrals_open, as_of)
        for public_id, status, weeks, referrals_open, as_of in rows
    }


def write_csv(states: list[CurrentState], *, downloaded_at: datetime | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for state in states:
        referrals = "" if state.referrals_open is None else ("yes" if state.referrals_open else "no")
        writer.writerow([
            state.public_id, as_text_cell(state.organisation), as_text_cell(state.name), state.status,
            "" if state.wait_weeks is None else state.wait_weeks, referrals,
            state.wait_as_of.isoformat() if state.wait_as_of else "",
            downloaded_at.isoformat() if downloaded_at else "",
        ])
    # A byte-order mark so Excel opens the file as UTF-8 (Welsh names keep their accents).
    return "\ufeff" + out.getvalue()


def decode_upload(raw: bytes) -> tuple[str | None, str | None]:
    """The file's text, or an error message for the whole file."""
    if not raw.strip():
        return None, _("The file is empty.")
    if len(raw) > MAX_BYTES:
        return None, _("The file is larger than 2 MB. Upload the CSV you downloaded, edited.")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.")


# The provider's wait box's own field, so a cell takes what the box takes: "6", "6 weeks", "6 wks",
# "6 wythnos", and 0 to 520.
_WEEKS = WeeksField(min_value=0, max_value=MAX_WAIT_WEEKS)


def _parse_weeks(value: str) -> int | None:
    if not value:
        return None
    try:
        return _WEEKS.clean(value)
    except forms.ValidationError:
        raise ValueError(_("wait_weeks must be a whole number from 0 to 520, not “%s”") % _shown(value)) from None


def _parse_open(value: str) -> bool | None:
    if not value:
        return None
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    raise ValueError(_("referrals_open must be yes or no, not “%s”") % _shown(value))


# How Excel on a UK computer writes a date back when it saves the file: 31/01/2025 (day first).
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


# A cell quoted back in a message is cut to this many characters: a 5,000-character cell (a
# paragraph pasted into the wrong column) filled the error summary with it, and a phone screen.
SHOWN_MAX = 50


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN_MAX else value[:SHOWN_MAX].rstrip() + "…"


def _parse_date(value: str) -> date:
    """2025-01-31 as downloaded, or 31/01/2025 as a spreadsheet saves it back (ValueError otherwise)."""
    if match := _UK_DATE.fullmatch(value):
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    return date.fromisoformat(value)


def _parse_as_of(value: str, today: date) -> date | None:
    if not value:
        return None
    try:
        as_of = _parse_date(value)
    except ValueError:
        raise ValueError(_("wait_as_of must be a date like 2025-01-31 or 31/01/2025, not “%s”") % _shown(value)) from None
    if as_of > today:
        raise ValueError(_("wait_as_of %s is in the future") % value)
    return as_of


# Lazy: module constants are made once, at import; each message is said in the page's language.
STATUS_CHANGED_SINCE = gettext_lazy(
    "the status was changed on the site to “%(status)s” after this file was downloaded: "
    "download the file again and change this row in it"
)
WAIT_CHANGED_SINCE = gettext_lazy(
    "the wait was changed on the site after this file was downloaded: download the file again and change this row in it"
)


# The oldest date a new waiting-time report may carry (a downloaded row's own date is never checked).
MAX_AS_OF_AGE = timedelta(days=365)


def _wait_of(state: CurrentState) -> tuple[int | None, bool | None, date | None]:
    return state.wait_weeks, state.referrals_open, state.wait_as_of


def _wait_cells(row: dict, today: date) -> tuple[int | None, bool | None, date | None]:
    """The row's three wait cells, parsed; every cell's problem in one ValueError ("...; ..."): a
    row with a bad wait and a bad date named only the wait, and the date after the next upload."""
    parsers = (
        ("wait_weeks", _parse_weeks),
        ("referrals_open", _parse_open),
        ("wait_as_of", lambda value: _parse_as_of(value, today)),
    )
    values, problems = [], []
    for cell, parse in parsers:
        try:
            values.append(parse(row.get(cell, "").strip()))
        except ValueError as exc:
            values.append(None)
            problems.append(str(exc))
    if problems:
        raise ValueError("; ".join(problems))
    weeks, referrals_open, as_of = values
    return weeks, referrals_open, as_of


def _wait_change(
    row: dict, state: CurrentState, today: date, then: CurrentState | None = None
) -> tuple[int, bool, date] | None:
    """The new waiting-time report a row asks for, if any (raises ValueError with a message).
    `then` is the service when the file was downloaded: a wait left as it was then asks for nothing."""
    weeks, referrals_open, as_of = _wait_cells(row, today)
    if then is not None:
        if (weeks, referrals_open, as_of) == _wait_of(then):
            return None  # as downloaded: a wait given since is kept
        if _wait_of(then) != _wait_of(state):
            raise ValueError(WAIT_CHANGED_SINCE)
    if weeks is None:
        if (referrals_open is not None and referrals_open != state.referrals_open) or (
            as_of is not None and as_of != state.wait_as_of
        ):
            raise ValueError(_("give wait_weeks too: a waiting-time report needs the wait in weeks"))
        return None
    if referrals_open is None:
        referrals_open = state.referrals_open if state.referrals_open is not None else True
    same_wait = (weeks, referrals_open) == (state.wait_weeks, state.referrals_open)
    if as_of is None or as_of == state.wait_as_of:
        if same_wait:
            return None
        as_of = today  # a changed wait with its old date left in place is news as of today
    _check_new_as_of(as_of, state, today)
    return weeks, referrals_open, as_of


def _check_new_as_of(as_of: date, state: CurrentState, today: date) -> None:
    """The date of a new waiting-time report: not before the current one, nor a year old (ValueError)."""
    if state.wait_as_of is not None and as_of < state.wait_as_of:
        raise ValueError(
            _("wait_as_of %(new)s is earlier than the current report's date, %(current)s")
            % {"new": as_of.isoformat(), "current": state.wait_as_of.isoformat()}
        )
    if as_of < today - MAX_AS_OF_AGE:
        # A typed year (0001, 2006 for 2026) was saved as the wait's date, and the listing said
        # "as of 1 Jan 0001, 739956 days ago". A wait given now is not a year old.
        raise ValueError(_("wait_as_of %(date)s is more than a year ago: give the date the wait was given")
                         % {"date": as_of.isoformat()})


def _check_row(row: dict, state: CurrentState, today: date, then: CurrentState | None = None) -> Change:
    """A row's change; every problem on the row in one ValueError ("...; ...")."""
    problems = []
    typed = row.get("status", "").strip()
    status = typed.lower()
    if not typed:
        # Spaces alone are an empty cell, as in every other column: said as one, not as "not “   ”".
        problems.append(_("status is empty: give one of %(choices)s") % {"choices": ", ".join(STATUSES)})
    elif status not in STATUSES:
        problems.append(
            _("status must be one of %(choices)s, not “%(value)s”")
            % {"choices": ", ".join(STATUSES), "value": _shown(typed)}
        )
    elif then is not None and status == then.status:
        status = state.status  # as downloaded: a status approved since is kept
    elif then is not None and then.status != state.status != status:
        problems.append(STATUS_CHANGED_SINCE % {"status": state.status})
    wait = None
    try:
        wait = _wait_change(row, state, today, then)
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise ValueError("; ".join(problems))
    return Change(row=0, public_id=state.public_id, status=status if status != state.status else None, wait=wait)


def _delimiter(text: str) -> str:
    """Commas, as downloaded; semicolons (or tabs) where a spreadsheet set up for a language that
    writes decimals with a comma saved the file. Read from the header, whose names hold neither."""
    header = text.lstrip().partition("\n")[0]
    if "," not in header:
        for candidate in (";", "\t"):
            if candidate in header:
                return candidate
    return ","


def _header_error(fieldnames: list[str] | None) -> str | None:
    missing = [column for column in REQUIRED_COLUMNS if column not in (fieldnames or [])]
    if missing:
        return _("The file has no %(columns)s column. Start from the CSV you downloaded.") % {
            "columns": ", ".join(missing)
        }
    return None


NOT_CSV = gettext_lazy("The file is not a CSV file we can read (%(problem)s). Upload the CSV you downloaded, edited.")


def _reader(text: str) -> csv.DictReader:
    # newline="": the csv module handles line endings itself (as its documentation asks).
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    return reader


# How Excel on a UK computer may write the time back: 06/12/2026 19:41 (day first, seconds dropped).
_UK_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?")
DOWNLOADED_AT_UNREADABLE = gettext_lazy(
    "The downloaded_at column must be left as downloaded, not “%s”. Download the file again."
)


def _parse_moment(value: str) -> datetime:
    if match := _UK_TIME.fullmatch(value):
        day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
        moment = datetime(year, month, day, hour, minute, second)
    else:
        moment = datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def downloaded_at(text: str) -> datetime | None:
    """When the file was downloaded (the earliest, if rows from two downloads were put together), or
    None for a file without the column (one made by hand, or downloaded before it was added).
    ValueError, with the message to show, for a value that is not a time."""
    try:
        values = {(row.get("downloaded_at") or "").strip() for row in _reader(text)} - {""}
    except csv.Error:
        return None  # check_upload says the file cannot be read
    try:
        return min((_parse_moment(value) for value in values), default=None)
    except ValueError:
        bad = next(value for value in sorted(values) if not _is_moment(value))
        raise ValueError(DOWNLOADED_AT_UNREADABLE % _shown(bad)) from None


def states_when_downloaded(text: str) -> dict[uuid.UUID, CurrentState] | None:
    """`states_at` the file's `downloaded_at`; None for a file without it (ValueError as `downloaded_at`)."""
    moment = downloaded_at(text)
    return None if moment is None else states_at(moment)


def _is_moment(value: str) -> bool:
    try:
        _parse_moment(value)
    except ValueError:
        return False
    return True


def check_upload(
    text: str, states: dict[uuid.UUID, CurrentState], *, today: date,
    then: dict[uuid.UUID, CurrentState] | None = None,
) -> UploadResult:
    """Check every row against the current state; the changes to make, or every error with its row.
    `then` is every service as it was when the file was downloaded (`states_at(downloaded_at(text))`):
    a value left as it was then is no change, though the service has changed since."""
    try:
        return _check_rows(text, states, today, then or {})
    except csv.Error as exc:  # e.g. a lone carriage return inside a field (found by tests/fuzz/)
        return UploadResult([], [NOT_CSV % {"problem": exc}], whole_file=True)


def _check_rows(text: str, states: dict[uuid.UUID, CurrentState], today: date, then: dict) -> UploadResult:
    reader = _reader(text)
    if error := _header_error(reader.fieldnames):
        return UploadResult([], [error], whole_file=True)
    result = UploadResult([], [])
    seen: dict[uuid.UUID, int] = {}
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            return UploadResult([], [_("The file has more than %d rows.") % MAX_ROWS], whole_file=True)
        row = {key: (value or "") for key, value in row.items() if key is not None}
        if not any(value.strip() for value in row.values()):
            continue  # a blank line a spreadsheet left behind
        try:
            change = _check_known_row(row, states, seen, number, today, then)
        except ValueError as exc:
            result.errors.append(_("Row %(row)d: %(message)s") % {"row": number, "message": exc})
            continue
        if change.status is None and change.wait is None:
            result.unchanged_rows += 1
        else:
            result.changes.append(change)
    if not result.errors and not result.changes and not result.unchanged_rows:
        return UploadResult([], [_("The file has no rows under its header.")], whole_file=True)
    return result


def _check_known_row(row: dict, states: dict, seen: dict, number: int, today: date, then: dict) -> Change:
    raw_id = row.get("service_id", "").strip()
    try:
        public_id = uuid.UUID(raw_id)
    except ValueError:
        raise ValueError(_("service_id “%s” is not a service id") % _shown(raw_id)) from None
    state = states.get(public_id)
    if state is None:
        raise ValueError(_("no service has the id %s") % raw_id)
    if public_id in seen:
        raise ValueError(_("service %(id)s is already on row %(row)d") % {"id": raw_id, "row": seen[public_id]})
    seen[public_id] = number
    change = _check_row(row, state, today, then.get(public_id))
    return Change(row=number, public_id=public_id, status=change.status, wait=change.wait)


@dataclass(frozen=True)
class Applied:
    statuses: int
    waits: int


@transaction.atomic
def apply_changes(changes: list[Change], *, user) -> Applied:
    """Save checked changes: statuses (with history) and new waiting-time reports. All or nothing."""
    services = Service.objects.in_bulk([change.public_id for change in changes], field_name="public_id")
    statuses = waits = 0
    for change in changes:
        service = services[change.public_id]
        if change.status is not None:
            service.status = change.status
            service._change_reason = CHANGE_REASON
            service.full_clean()
            service.save()
            statuses += 1
        if change.wait is not None:
            weeks, referrals_open, as_of = change.wait
            report = WaitingTimeReport(
                service=service, weeks=weeks, referrals_open=referrals_open, as_of=as_of,
                recorded_at=timezone.now(), recorded_by=user,
            )
            report.full_clean()
            report.save()
            waits += 1
    return Applied(statuses=statuses, waits=waits)


def lock_services(text: str) -> None:
    """Lock, until the surrounding transaction ends, the services the file names (PostgreSQL: SELECT
    ... FOR UPDATE, in id order so two confirms cannot deadlock), so that none changes between the
    check on confirm and the save: a status saved or a wait reported meanwhile (its foreign key takes a
    share lock on the service) waits for the save, and is not overwritten by a check that missed it.
    SQLite has no row locks and needs none: it lets one transaction write at a time."""
    if not connection.features.has_select_for_update:
        return
    public_ids = set()
    try:
        for row in itertools.islice(_reader(text), MAX_ROWS):  # the check refuses a longer file
            try:
                public_ids.add(uuid.UUID((row.get("service_id") or "").strip()))
            except ValueError:
                continue  # the check says so, with the row's number
    except csv.Error:
        pass  # likewise
    # One query, of at most MAX_ROWS ids.
    list(Service.objects.select_for_update().filter(public_id__in=public_ids).order_by("pk").values_list("pk"))


def check_file(text: str, *, today: date) -> tuple[UploadResult, dict[uuid.UUID, CurrentState]]:
    """Every check of an upload's text against the services as they are now (and as they were when
    the file was downloaded), with those current states. Run on upload and again on confirm."""
    try:
        then = states_when_downloaded(text)
    except ValueError as exc:
        return UploadResult([], [str(exc)], whole_file=True), {}
    states = {state.public_id: state for state in current_states()}
    return check_upload(text, states, today=today, then=then), states


# --- the check page ---------------------------------------------------------------------------

# More listings than this closed or paused by one file, or a fifth of the directory, gets a warning.
WARN_CLOSING_OVER = 5
WARN_CLOSING_SHARE = 0.2
SHOW_CHANGES = 100  # the check page lists this many changes, then says how many more
CHECK_SALT = "directory.bulk_update.check"
CHECK_MAX_AGE = 60 * 60  # seconds: an hour to read the check page and confirm
CHECK_EXPIRED = gettext_lazy(
    "This check has expired or could not be read, so nothing was saved. Upload the file again."
)
CHANGED_SINCE_CHECK = gettext_lazy(
    "A service in the file was changed on the site after you checked the file, so nothing was saved. "
    "Upload the file again to check the changes."
)
_CLOSING = {Service.Status.CLOSED, Service.Status.PAUSED}


@dataclass(frozen=True)
class ChangeLine:
    """One change as the check page shows it."""

    public_id: uuid.UUID
    organisation: str
    name: str
    status_from: str
    status_to: str | None
    wait: tuple[int, bool, date] | None
    # An unusually long new wait (directory/unusual_waits.py), in years and months, flagged on the
    # check page: "200" for "20" in one cell is published as nearly four years. "" if it is not.
    unusual_wait: str = ""

    @property
    def status_from_label(self) -> str:
        return Service.Status(self.status_from).label

    @property
    def status_to_label(self) -> str:
        return Service.Status(self.status_to).label if self.status_to else ""

    @property
    def wait_weeks(self) -> int | None:
        return self.wait[0] if self.wait else None

    @property
    def wait_referrals_open(self) -> bool | None:
        return self.wait[1] if self.wait else None

    @property
    def wait_as_of(self) -> date | None:
        return self.wait[2] if self.wait else None


@dataclass(frozen=True)
class CheckSummary:
    lines: list[ChangeLine]
    statuses: int  # statuses changed
    closing: int  # of which to closed or paused
    waits: int  # waiting times recorded
    unchanged_rows: int
    services: int  # in the directory

    @property
    def warn(self) -> bool:
        """Many listings would close or pause: one mistaken column filled down closes them all."""
        share = self.closing >= WARN_CLOSING_SHARE * self.services
        return self.closing > WARN_CLOSING_OVER or (self.closing > 0 and share)

    @property
    def closing_percent(self) -> int:
        return round(100 * self.closing / self.services) if self.services else 0

    unusual_over = unusual_waits.UNUSUAL_WAIT_WEEKS  # the page says the limit it flags waits over

    @property
    def unusual_waits(self) -> list[ChangeLine]:
        """Every change to an unusually long wait, listed above the table even past `SHOW_CHANGES`."""
        return [line for line in self.lines if line.unusual_wait]

    @property
    def shown(self) -> list[ChangeLine]:
        return self.lines[:SHOW_CHANGES]

    @property
    def more(self) -> int:
        return max(len(self.lines) - SHOW_CHANGES, 0)


def summarise(result: UploadResult, states: dict[uuid.UUID, CurrentState]) -> CheckSummary:
    """What a checked file would change, for the check page: counts and a line a change, in the file's order."""
    lines = []
    for change in result.changes:
        state = states[change.public_id]
        weeks = change.wait[0] if change.wait else None
        unusual = unusual_waits.is_unusual(weeks, current=state.wait_weeks)
        lines.append(ChangeLine(
            change.public_id, state.organisation, state.name, state.status, change.status, change.wait,
            unusual_wait=unusual_waits.years_and_months(weeks) if unusual else "",
        ))
    return CheckSummary(
        lines=lines,
        statuses=sum(1 for line in lines if line.status_to),
        closing=sum(1 for line in lines if line.status_to in _CLOSING),
        waits=sum(1 for line in lines if line.wait),
        unchanged_rows=result.unchanged_rows,
        services=len(states),
    )


def fingerprint(changes: list[Change], states: dict[uuid.UUID, CurrentState]) -> str:
    """A digest of the changes and of the services they change as they are now: equal on confirm only
    if the same changes would be made to services that have not changed since the check."""
    items = []
    for change in changes:
        state = states[change.public_id]
        items.append(
            [str(change.public_id), state.status, _jsonable(_wait_of(state)), change.status, _jsonable(change.wait)]
        )
    items.sort()
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def _jsonable(wait: tuple | None) -> list | None:
    return None if wait is None else [value.isoformat() if isinstance(value, date) else value for value in wait]


def sign_check(
    text: str, changes: list[Change], states: dict[uuid.UUID, CurrentState], *, user_id: int, today: date
) -> str:
    """The token the check page's form carries: the file's text (compressed), what was checked and the
    day it was checked on (`today`), signed."""
    payload = {"text": text, "checked": fingerprint(changes, states), "user": user_id, "today": today.isoformat()}
    return signing.dumps(payload, salt=CHECK_SALT, compress=True)


def unsign_check(token: str, *, user_id: int) -> tuple[str, str, date]:
    """The file's text, fingerprint and day of the check from a token this user was given less than
    an hour ago; ValueError (with the message to show) for an expired, altered or someone else's token.
    Confirming checks again as of that day, not the day it is confirmed on: a wait whose date was left
    blank is dated the day of the check, as the check page showed it, and a check made before midnight
    and confirmed after differed from it by that date alone, and was refused as changed on the site."""
    try:
        payload = signing.loads(token, salt=CHECK_SALT, max_age=CHECK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        raise ValueError(CHECK_EXPIRED) from None
    if not isinstance(payload, dict) or payload.get("user") != user_id:
        raise ValueError(CHECK_EXPIRED)
    try:
        checked_on = date.fromisoformat(payload["today"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(CHECK_EXPIRED) from None
    return str(payload["text"]), str(payload["checked"]), checked_on


def saved_message(applied: Applied, unchanged_rows: int) -> str:
    """Each count in its own plural ("1 status changed", not "1 statuses changed")."""
    statuses = ngettext("%(count)d status changed", "%(count)d statuses changed", applied.statuses)
    # In its own context: in Welsh it follows "a" (and), which changes its first letter.
    waits = npgettext("after 'and'", "%(count)d waiting time recorded", "%(count)d waiting times recorded", applied.waits)
    unchanged = ngettext("%(count)d row had no changes.", "%(count)d rows had no changes.", unchanged_rows)
    return _("Saved: %(statuses)s and %(waits)s. %(unchanged)s") % {
        "statuses": statuses % {"count": applied.statuses}, "waits": waits % {"count": applied.waits},
        "unchanged": unchanged % {"count": unchanged_rows},
    }


def nothing_to_save_message(unchanged_rows: int) -> str:
    return ngettext(
        "Nothing was saved: the file’s %(count)d row changes nothing.",
        "Nothing was saved: none of the file’s %(count)d rows changes anything.",
        unchanged_rows,
    ) % {"count": unchanged_rows}
