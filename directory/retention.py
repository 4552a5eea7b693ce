"""Personal data about staff kept past its period, and removing it (`manage.py prune_personal_data`,
nightly from deploy/crontab): UK GDPR's storage limitation. The periods are settings
(RETAIN_*_DAYS, servicemap/settings.py says why each); the privacy notice names the same ones
(servicemap/personal_data_kept.py), so the page and the job cannot disagree.

Kept whatever its age, because the app still needs it:
- an open problem report: someone has yet to deal with it;
- a current sign-in lock-out (django-axes' AccessAttempt younger than AXES_COOLOFF_HOURS): removing it
  would lift the lock. Older ones have ended, and axes itself deletes them at the next sign-in;
- the change history (the listings' versions, the moderators' decisions, the waits, the admin log):
  it is the record of who said what about a public listing, which moderators and providers use to
  check and put back earlier versions. It is kept as long as the listing, with the accounts named,
  and the notice says so; deleting an account leaves its changes unnamed;
- a review request itself: it is how send_review_requests knows a reminder was sent (sent twice
  otherwise, a year on). Only the addresses it went to are blanked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from directory.accounts.models import Invitation
from directory.models import ProblemReport, ReviewRequest


@dataclass(frozen=True)
class PastItsPeriod:
    """Rows whose personal data is past its period: deleted, or with `blank` (a field) emptied."""

    what: str  # as the job's log line names them
    rows: QuerySet
    blank: str = ""


def past_their_period(*, now: datetime) -> list[PastItsPeriod]:
    """Each kind of staff personal data, the rows of it past its period at `now`."""

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    sign_ins = before(settings.RETAIN_SIGN_IN_RECORDS_DAYS)
    cool_off = get_cool_off()  # None: axes keeps lock-outs until reset, and so does this
    # An invitation's link lasts INVITATION_MAX_AGE_DAYS from when it was made (and emailed).
    invitations = before(settings.RETAIN_INVITATIONS_DAYS)
    return [
        PastItsPeriod("sign-in records", AccessLog.objects.filter(attempt_time__lt=sign_ins)),
        # Written only with AXES_ENABLE_ACCESS_FAILURE_LOG (off): if an operator turns it on, the
        # sign-in records' period holds for these too.
        PastItsPeriod("failed sign-in records", AccessFailureLog.objects.filter(attempt_time__lt=sign_ins)),
        PastItsPeriod(
            "ended lock-outs and failed sign-in counts",
            AccessAttempt.objects.filter(attempt_time__lt=now - cool_off) if cool_off else AccessAttempt.objects.none(),
        ),
        PastItsPeriod("invitations", Invitation.objects.filter(
            Q(accepted_at__lt=invitations)
            | Q(accepted_at__isnull=True,
                created_at__lt=invitations - timedelta(days=settings.INVITATION_MAX_AGE_DAYS)),
        )),
        PastItsPeriod("resolved problem reports", ProblemReport.objects.filter(
            resolved_at__lt=before(settings.RETAIN_RESOLVED_PROBLEM_REPORTS_DAYS),
        )),
        PastItsPeriod(
            "review request addresses",
            ReviewRequest.objects.filter(sent_at__lt=before(settings.RETAIN_REVIEW_REQUEST_ADDRESSES_DAYS))
            .exclude(recipients=""),
            blank="recipients",
        ),
    ]


@transaction.atomic
def personal_data_prune(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    """Delete (or blank) what is past its period; how many of each. A dry run only counts them."""
    counts = {}
    for kind in past_their_period(now=now):
        if dry_run:
            counts[kind.what] = kind.rows.count()
        elif kind.blank:
            counts[kind.what] = kind.rows.update(**{kind.blank: ""})
        else:
            # delete() counts what cascaded too (an attempt's expiry row): only the kind's own rows here.
            counts[kind.what] = kind.rows.delete()[1].get(kind.rows.model._meta.label, 0)
    return counts
