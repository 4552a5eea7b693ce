"""What free text must not hold: the narrow checks of directory/personal_data.py, and the two forms
that use them (a problem report's comment, a moderator's reason)."""

from __future__ import annotations

import pytest

from directory import personal_data
from directory.listings.forms import ProblemReportForm, RejectForm
from directory.personal_data import CASE_NUMBER, DATE_OF_BIRTH, NAME, NHS_NUMBER, POSTCODE, findings


@pytest.mark.parametrize(("text", "found"), [
    ("Her DOB is 3/4/2015 and they still refused", [DATE_OF_BIRTH]),
    ("d.o.b. 03.04.15", [DATE_OF_BIRTH]),
    ("He was born on 1 May 2014", [DATE_OF_BIRTH]),
    # A date straight after "born" was let through: a moderator's reason holding one was emailed.
    ("Ask the provider about the boy born 3/4/2015", [DATE_OF_BIRTH]),
    ("she was born 2014, not 2016", [DATE_OF_BIRTH]),
    ("Dyddiad geni 3 Ebrill 2015", [DATE_OF_BIRTH]),
    ("NHS number 401 023 2137 on the form", [NHS_NUMBER]),
    ("4010232137", [NHS_NUMBER]),
    ("Case no. 123456 was closed", [CASE_NUMBER]),
    ("see WCCIS ref AB-12345", [CASE_NUMBER]),
    ("rhif achos 55512", [CASE_NUMBER]),
    ("My son Tom was turned away", [NAME]),
    ("the child, Amy, is on their list", [NAME]),
    ("My daughter is called Ffion", [NAME]),
    ("fy merch Cerys", [NAME]),
    ("We live at CF10 1EP and they say it is not covered", [POSTCODE]),
    ("Born in 2012, my son Tom, case ref 4455", [DATE_OF_BIRTH, CASE_NUMBER, NAME]),
])
def test_it_spots_what_could_identify_a_child_or_family(text, found):
    assert findings(text) == found


@pytest.mark.parametrize("text", [
    "The phone number is now 029 2034 5678",  # a service's number: it begins 0
    "They only take children aged 5 to 11, not 4",  # criteria are ages, not a child's
    "The waiting list closed on 01/11/2026",
    "Referrals go through Child Protection Services now",
    "The girl's group runs on Tuesdays; the boy I mentioned is not named",
    "Covers CF10 and CF11 only",  # districts are areas, not addresses
    "The number 4000000000 is not a valid NHS number",  # its check digit fails
    "Ask for Mrs Jones in the referrals team",  # staff, not a family
    "Child Sexual Exploitation team moved",
])
def test_ordinary_corrections_pass(text):
    assert findings(text) == []


def test_a_services_own_postcode_is_allowed_where_the_caller_says_so():
    assert findings("New address: 1 High St, CF10 1EP", postcodes_allowed=True) == []


def test_a_problem_reports_comment_is_refused_and_kept_for_the_reporter_to_correct():
    form = ProblemReportForm({"reason": "area", "comment": "My son Tom lives at CF10 1EP"})
    assert not form.is_valid()
    [message] = form.errors["comment"]
    assert message == ("Take out anything that could identify a child or family: this seems to hold a child's or "
                       "relative's name and a full postcode (the first part, like CF10, is enough). servicemap must "
                       "not keep it.")
    assert "My son Tom" in form["comment"].value()  # shown again, to edit


def test_a_new_address_under_contact_details_is_a_fair_correction():
    assert ProblemReportForm({"reason": "contact_details", "comment": "Moved to 1 High St, CF10 1EP"}).is_valid()
    assert not ProblemReportForm({"reason": "contact_details", "comment": "my son Tom"}).is_valid()


def test_a_moderators_reason_is_checked_before_it_is_emailed():
    form = RejectForm({"reason": "The example names the child, Amy: take it out"})
    assert not form.is_valid() and personal_data.refusal([NAME]) in form.errors["reason"]
    assert RejectForm({"reason": "Give the service's address: 1 High St, CF10 1EP"}).is_valid()
