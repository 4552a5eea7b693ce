"""Which review requests are due: pure computation on plain facts (no ORM, no clock).

A listing is asked to be confirmed at 11 months since it was last confirmed (or created, if
never), reminded at 12, and chased urgently at 13 (moderators are told too). A wait is chased
when it is 5 weeks old. Each request is keyed by what it counts from (`basis`), so a new
confirmation or a new wait starts a fresh cycle and nothing is sent twice.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

FIRST = "confirm_first"
REMINDER = "confirm_reminder"
URGENT = "confirm_urgent"
WAIT = "wait_reminder"

# Highest first: only the most advanced stage due is sent (a listing found at 13 months gets
# the urgent request, not all three at once).
CONFIRMATION_STAGES = ((13, URGENT), (12, REMINDER), (11, FIRST))
WAIT_REMINDER_AFTER = timedelta(weeks=5)


@dataclass(frozen=True)
class ServiceFacts:
    service_id: int
    confirmed_on: date
    wait_id: int | None = None
    wait_as_of: date | None = None


@dataclass(frozen=True)
class Due:
    service_id: int
    kind: str
    basis: str


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def confirmation_basis(confirmed_on: date) -> str:
    """The `basis` of the confirmation requests counted from this date: one cycle of them."""
    return f"confirmed:{confirmed_on.isoformat()}"


def due_requests(facts: list[ServiceFacts], *, today: date, sent: set[tuple[int, str, str]]) -> list[Due]:
    """Requests due today that have not been sent (`sent` holds (service_id, kind, basis))."""
    due = []
    for fact in facts:
        basis = confirmation_basis(fact.confirmed_on)
        for months, kind in CONFIRMATION_STAGES:
            if today >= add_months(fact.confirmed_on, months):
                if (fact.service_id, kind, basis) not in sent:
                    due.append(Due(fact.service_id, kind, basis))
                break
        if fact.wait_id is not None and fact.wait_as_of is not None and today >= fact.wait_as_of + WAIT_REMINDER_AFTER:
            wait_basis = f"wait:{fact.wait_id}"
            if (fact.service_id, WAIT, wait_basis) not in sent:
                due.append(Due(fact.service_id, WAIT, wait_basis))
    return due


# Problem reports left open: a reminder to whoever was (or would have been) emailed about the report,
# then the moderators told.
REPORT_REMINDER = "report_reminder"
REPORT_ESCALATION = "report_escalation"


@dataclass(frozen=True)
class ReportFacts:
    report_id: int
    made_on: date
    reminded: bool = False
    escalated: bool = False


def problem_reports_due(
    facts: list[ReportFacts], *, today: date, remind_after_days: int, escalate_after_days: int,
) -> list[tuple[int, str]]:
    """(report_id, kind) for each open report's reminder due today, `remind_after_days` days after it
    was made, and its escalation at `escalate_after_days`; each once. Only the later is due for a
    report first seen past both (the job had not run, or a backlog on its first run), as with the
    review requests: the moderators are told, and its reminder is never sent (the caller records it
    as not needed)."""
    due = []
    for fact in facts:
        age = (today - fact.made_on).days
        if fact.escalated:
            continue
        if age >= escalate_after_days:
            due.append((fact.report_id, REPORT_ESCALATION))
        elif age >= remind_after_days and not fact.reminded:
            due.append((fact.report_id, REPORT_REMINDER))
    return due
