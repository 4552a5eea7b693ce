"""deploy/scheduler.py: deploy/crontab's jobs, run in a container with no cron (deploy/compose.yaml)."""

from __future__ import annotations

import runpy
import subprocess
import sys
from datetime import datetime

import pytest
from django.core.management import get_commands

from servicemap.settings import BASE_DIR

SCHEDULER = runpy.run_path(str(BASE_DIR / "deploy" / "scheduler.py"))
read_crontab, due_between = SCHEDULER["read_crontab"], SCHEDULER["due_between"]
CRONTAB = (BASE_DIR / "deploy" / "crontab").read_text()


def _names(jobs) -> list[str]:
    return [job.arguments[0] for job in jobs]


def test_every_manage_py_line_of_the_crontab_is_a_job_and_the_backup_is_left_to_the_host():
    jobs, others = read_crontab(CRONTAB)

    assert sorted(_names(jobs)) == ["build_renderings", "chase_problem_reports", "clearsessions", "close_unused_accounts",
                                   "prune_personal_data", "send_review_requests", "take_gaps_snapshot"]
    assert set(_names(jobs)) <= set(get_commands())
    assert [job.arguments for job in jobs if job.arguments[0] == "build_renderings"] == [("build_renderings", "-v0")]
    assert len(others) == 1 and "pg_dump" in others[0]


def test_a_day_runs_the_daily_jobs_at_the_crontabs_times():
    jobs, _ = read_crontab(CRONTAB)
    wednesday = datetime(2027, 3, 10)

    due = due_between(jobs, wednesday.replace(hour=0, minute=0), wednesday.replace(hour=23, minute=59))

    assert _names(due) == [  # 00:05, 02:15, 07:05, 07:15, 07:20
        "build_renderings", "prune_personal_data", "close_unused_accounts", "send_review_requests",
        "chase_problem_reports"]
    assert _names(due_between(jobs, wednesday.replace(hour=7, minute=14), wednesday.replace(hour=7, minute=15))) == [
        "send_review_requests"]
    assert due_between(jobs, wednesday.replace(hour=7, minute=15), wednesday.replace(hour=7, minute=16)) == []


def test_problem_reports_left_open_are_chased_every_day_in_working_hours():
    # A report is chased a week after it was made, by the calendar: a day without the job delays it.
    jobs, _ = read_crontab(CRONTAB)
    [chase] = [job for job in jobs if job.arguments[0] == "chase_problem_reports"]
    for day in range(8, 15):  # Monday 8 to Sunday 14 March 2027
        morning = datetime(2027, 3, day)
        assert _names(due_between([chase], morning, morning.replace(hour=23, minute=59))) == ["chase_problem_reports"]
    assert due_between([chase], datetime(2027, 3, 10, 7, 21), datetime(2027, 3, 10, 23, 59)) == []


@pytest.mark.parametrize(("day", "snapshot"), [
    (datetime(2027, 4, 1), True), (datetime(2027, 10, 1), True), (datetime(2027, 4, 2), False),
    (datetime(2027, 5, 1), False),
])
def test_the_gaps_snapshot_is_taken_on_the_first_day_of_each_quarter_only(day, snapshot):
    jobs, _ = read_crontab(CRONTAB)

    names = _names(due_between(jobs, day.replace(hour=0, minute=0), day.replace(hour=23, minute=59)))

    assert ("take_gaps_snapshot" in names) is snapshot


def test_expired_sessions_are_cleared_on_sundays():
    jobs, _ = read_crontab(CRONTAB)
    sunday, monday = datetime(2027, 3, 14), datetime(2027, 3, 15)
    assert sunday.weekday() == 6

    assert "clearsessions" in _names(due_between(jobs, sunday, sunday.replace(hour=23, minute=59)))
    assert "clearsessions" not in _names(due_between(jobs, monday, monday.replace(hour=23, minute=59)))


def test_a_job_whose_minute_passed_while_another_ran_still_runs():
    jobs, _ = read_crontab("5 0 * * *  python manage.py build_renderings\n10 0 * * *  python manage.py clearsessions\n")

    # The scheduler checked at 00:05 and ran build_renderings; it ended at 00:20.
    due = due_between(jobs, datetime(2027, 3, 10, 0, 5), datetime(2027, 3, 10, 0, 20))

    assert _names(due) == ["clearsessions"]


def test_cron_runs_a_line_restricting_both_day_fields_on_either():
    jobs, _ = read_crontab("0 12 1 * 1  python manage.py clearsessions\n")  # the 1st, and Mondays
    first_a_thursday, a_monday, a_tuesday = datetime(2027, 4, 1, 12), datetime(2027, 4, 5, 12), datetime(2027, 4, 6, 12)

    assert [jobs[0].is_due(day) for day in (first_a_thursday, a_monday, a_tuesday)] == [True, True, False]


@pytest.mark.parametrize("line", ["*/5 * * * *  python manage.py clearsessions",
                                  "0 1-3 * * *  python manage.py clearsessions",
                                  "0 24 * * *  python manage.py clearsessions"])
def test_fields_it_cannot_read_are_refused_at_start_not_misread(line):
    with pytest.raises(ValueError, match="crontab field"):
        read_crontab(line)


def test_the_scheduler_starts_and_names_what_it_runs():
    started = subprocess.Popen([sys.executable, str(BASE_DIR / "deploy" / "scheduler.py")], cwd=BASE_DIR,
                               stdout=subprocess.PIPE, text=True)
    try:
        jobs, others = read_crontab(CRONTAB)
        lines = [started.stdout.readline().strip() for _ in range(len(jobs) + len(others))]
    finally:
        started.kill()
        started.wait(timeout=10)

    assert "scheduled: manage.py take_gaps_snapshot" in lines and "scheduled: manage.py prune_personal_data" in lines
    assert [line for line in lines if line.startswith("not run here")] and "pg_dump" in lines[-1]
