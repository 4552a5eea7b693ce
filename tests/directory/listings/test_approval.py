"""Referral-deciding changes wait for a moderator; the public keeps seeing the approved version."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from directory import vocabulary
from directory.listings import selectors, services
from directory.listings.forms import (
    AGE_MAX_IN_MONTHS,
    AGE_MAX_RANGE,
    AGE_MIN_IN_MONTHS,
    AGE_MIN_RANGE,
    AGE_ORDER,
    EMAIL_INVALID,
    NAME_ALREADY_LISTED,
    NAME_REQUIRED,
    NEW_STATUS_REQUIRED,
    NO_ABUSE_FORMS,
    NO_REFERRERS,
    PRE_TRIAL_CONFLICT,
    STATUS_REQUIRED,
    SUPPORTS_NOBODY,
    ServiceForm,
)
from directory.models import Service, ServiceChange
from tests.directory.listings.conftest import form_data
from tests.factories import MembershipFactory, OrganisationFactory, ServiceFactory


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """`with sent():` runs the on-commit email sends of what happens inside it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def public_view(service: Service) -> Service:
    return Service.objects.published().get(pk=service.pk)


def test_provider_edit_waits_for_approval_then_approval_publishes_it(
    client, provider, moderator, service, areas, sent
):
    client.force_login(provider)
    data = form_data(service, age_max="16", abuse_cse=True, referral_phone="02999 999999")
    data["coverage_areas"].append(areas["W06000014"].pk)  # Vale of Glamorgan
    with sent():
        response = client.post(reverse("listings:service_edit", args=[service.public_id]), data)
    assert response.status_code == 302

    # Contact details publish at once; who-can-be-referred waits.
    live = public_view(service)
    assert live.referral_phone == "02999 999999"
    assert live.age_max == Decimal("18")
    assert live.abuse_cse is False
    assert sorted(a.code for a in live.coverage_areas.all()) == ["W06000015"]
    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    assert change.kind == ServiceChange.Kind.EDIT
    assert change.proposed == {"age_max": "16.0", "abuse_cse": True, "coverage_areas": ["W06000014", "W06000015"]}
    assert change.submitted_by == provider
    assert [m.to for m in mail.outbox] == [["mod@example.org"]]

    # The moderator sees a field-by-field diff against the live version.
    client.force_login(moderator)
    page = client.get(reverse("listings:change_detail", args=[change.pk])).content.decode()
    rows = {row.field: (row.before, row.after) for row in client.get(
        reverse("listings:change_detail", args=[change.pk])).context["rows"]}
    assert rows["age_max"] == ("18", "16")
    assert "Child sexual exploitation" in page
    assert "Vale of Glamorgan" in page
    assert "Own service" in client.get(reverse("listings:moderation")).content.decode()

    mail.outbox.clear()
    with sent():
        response = client.post(reverse("listings:change_approve", args=[change.pk]))
    assert response.status_code == 302
    live = public_view(service)
    assert live.age_max == Decimal("16")
    assert live.abuse_cse is True
    assert sorted(a.code for a in live.coverage_areas.all()) == ["W06000014", "W06000015"]
    change.refresh_from_db()
    assert change.state == ServiceChange.State.APPROVED
    assert change.decided_by == moderator
    assert mail.outbox[0].to == ["own@example.org"]
    assert "approved" in mail.outbox[0].subject
    newest = service.history.order_by("-history_id").first()
    assert newest.history_user == moderator
    assert newest.history_change_reason == f"Approved change {change.pk}"


def test_rejection_needs_a_reason_leaves_the_listing_alone_and_emails_the_provider(
    client, provider, moderator, service, sent
):
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, status="paused"), by=provider
    ).pending
    mail.outbox.clear()
    client.force_login(moderator)
    url = reverse("listings:change_reject", args=[change.pk])

    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    change.refresh_from_db()
    assert change.state == ServiceChange.State.PENDING

    with sent():
        response = client.post(url, {"reason": "Please tell us why referrals are paused."})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == ServiceChange.State.REJECTED
    assert change.reason == "Please tell us why referrals are paused."
    assert public_view(service).status == Service.Status.ACTIVE
    assert mail.outbox[0].to == ["own@example.org"]
    assert "Please tell us why referrals are paused." in mail.outbox[0].body
    # The provider sees why on their dashboard.
    client.force_login(provider)
    assert "Please tell us why referrals are paused." in client.get(reverse("listings:dashboard")).content.decode()


def test_a_decided_change_cannot_be_decided_again(client, provider, moderator, service):
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_min="5"), by=provider
    ).pending
    services.change_reject(change=change, by=moderator, reason="No.")
    client.force_login(moderator)
    client.post(reverse("listings:change_approve", args=[change.pk]))
    change.refresh_from_db()
    assert change.state == ServiceChange.State.REJECTED
    assert public_view(service).age_min == Decimal("4")


def test_a_new_service_from_a_provider_is_hidden_until_approved(client, provider, moderator, org, service):
    client.force_login(provider)
    data = form_data(service, name_en="Sibling support")
    data["organisation"] = org.pk
    assert client.post(reverse("listings:service_new"), data).status_code == 302
    new = Service.objects.get(name_en="Sibling support")
    assert new.is_published is False
    assert not Service.objects.published().filter(pk=new.pk).exists()
    assert client.get(reverse("listings:report_problem", args=[new.public_id])).status_code == 404
    change = ServiceChange.objects.get(service=new, state=ServiceChange.State.PENDING)
    assert change.kind == ServiceChange.Kind.NEW

    services.change_approve(change=change, by=moderator)
    assert Service.objects.published().filter(pk=new.pk).exists()
    assert client.get(reverse("listings:report_problem", args=[new.public_id])).status_code == 200


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_new_listing_cannot_be_added_as_closed_and_an_existing_one_can_still_close(
    client, provider, org, service, language
):
    client.force_login(provider)
    with translation.override(language):
        new_url, edit_url = reverse("listings:service_new"), reverse("listings:service_edit", args=[service.public_id])
        message = html.escape(str(NEW_STATUS_REQUIRED))
    assert 'name="status" type="radio" value="closed"' not in client.get(new_url).content.decode()
    assert 'name="status" type="radio" value="closed"' in client.get(edit_url).content.decode()

    data = {**form_data(service, name_en="Sibling support"), "organisation": org.pk, "status": "closed"}
    response = client.post(new_url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="Sibling support"' in response.content.decode()  # what was typed is kept
    assert not Service.objects.filter(name_en="Sibling support").exists()


def test_a_new_service_sent_twice_is_listed_once_and_the_form_says_why(client, provider, org, service):
    """The back button, or a second click, sends the "Add a service" form again."""
    client.force_login(provider)
    data = {**form_data(service, name_en="Sibling support"), "organisation": org.pk}
    assert client.post(reverse("listings:service_new"), data).status_code == 302

    again = client.post(reverse("listings:service_new"), {**data, "name_en": " sibling SUPPORT "})

    assert again.status_code == 200
    assert str(NAME_ALREADY_LISTED % {"organisation": org.name, "name": "sibling SUPPORT"}) in again.content.decode()
    assert Service.objects.filter(organisation=org, name_en__iexact="sibling support").count() == 1
    assert ServiceChange.objects.filter(service__organisation=org, kind=ServiceChange.Kind.NEW).count() == 1
    # Another organisation may list a service of the same name.
    other = OrganisationFactory(name="Another organisation")
    MembershipFactory(user=provider, organisation=other)
    assert client.post(reverse("listings:service_new"), {**data, "organisation": other.pk}).status_code == 302


def _name_errors(response) -> dict[str, list[str]]:
    errors = response.context["form"].errors
    return {field: errors[field] for field in ("name_en", "name_cy") if field in errors}


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_new_service_cannot_take_a_welsh_name_another_of_its_listings_has(client, provider, org, service, language):
    """The Welsh dashboard showed two listings of one organisation under one name."""
    Service.objects.filter(pk=service.pk).update(name_cy="Cymorth i deuluoedd")
    client.force_login(provider)
    data = {**form_data(service, name_en="Family support", name_cy=" cymorth i DEULUOEDD "), "organisation": org.pk}

    with translation.override(language):
        response = client.post(reverse("listings:service_new"), data)
        expected = str(NAME_ALREADY_LISTED % {"organisation": org.name, "name": "cymorth i DEULUOEDD"})

    assert response.status_code == 200
    assert _name_errors(response) == {"name_cy": [expected]}
    assert html.escape(expected) in response.content.decode()
    assert not Service.objects.filter(name_en="Family support").exists()


def test_a_new_service_without_a_welsh_name_is_read_in_welsh_by_its_english_one(client, provider, org, service):
    # With no Welsh name the Welsh pages show the English one: "Cymorth" beside a listing called "Cymorth" there.
    Service.objects.filter(pk=service.pk).update(name_cy="Cymorth")
    client.force_login(provider)
    data = {**form_data(service, name_en="Cymorth", name_cy=""), "organisation": org.pk}

    response = client.post(reverse("listings:service_new"), data)

    assert _name_errors(response) == {
        "name_cy": [str(NAME_ALREADY_LISTED % {"organisation": org.name, "name": "Cymorth"})]
    }
    assert Service.objects.filter(organisation=org).count() == 1


@pytest.mark.parametrize(("field", "taken"), [("name_en", "Second service"), ("name_cy", "Ail wasanaeth")])
def test_a_listing_cannot_be_renamed_to_a_name_another_of_its_listings_has(client, provider, org, service, field, taken):
    ServiceFactory(organisation=org, name_en="Second service", name_cy="Ail wasanaeth")
    client.force_login(provider)
    typed = f"  {taken.upper()} "

    response = client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, **{field: typed}))

    assert response.status_code == 200
    assert _name_errors(response) == {
        field: [str(NAME_ALREADY_LISTED % {"organisation": org.name, "name": taken.upper()})]
    }
    service.refresh_from_db()
    assert (service.name_en, service.name_cy or "") == ("Own service", "")
    assert not ServiceChange.objects.filter(service=service).exists()
    # Another organisation's listing of that name is no obstacle, nor is the listing's own name.
    Service.objects.filter(organisation=org).exclude(pk=service.pk).update(organisation=OrganisationFactory())
    again = client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, **{field: typed}))
    assert again.status_code == 302


def test_an_edit_that_keeps_a_name_two_listings_already_share_is_saved(client, provider, org, service):
    # Named alike before names were checked: the listing must stay editable without renaming it.
    ServiceFactory(organisation=org, name_en="own SERVICE")
    client.force_login(provider)

    response = client.post(
        reverse("listings:service_edit", args=[service.public_id]),
        form_data(service, name_en="Own Service", referral_phone="01000 000001"),
    )

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.referral_phone == "01000 000001"


def test_a_rejected_new_service_is_resubmitted_by_editing_it(provider, moderator, org, service):
    new = services.service_create(
        organisation=org, values=services.form_values_from_service(service, name_en="Second"), by=provider
    )
    first = new.changes.get()
    services.change_reject(change=first, by=moderator, reason="Add the areas covered.")
    services.service_edit(service=new, values=services.form_values_from_service(new, cost_note="Free"), by=provider)
    again = new.changes.get(state=ServiceChange.State.PENDING)
    assert again.kind == ServiceChange.Kind.NEW and again.pk != first.pk
    assert Service.objects.get(pk=new.pk).is_published is False


def test_a_later_edit_replaces_the_pending_change_and_an_identical_one_keeps_its_place(provider, service):
    first = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_min="5"), by=provider
    ).pending
    same = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_min="5", cost_note="x"), by=provider
    ).pending
    assert same.pk == first.pk
    second = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_min="6"), by=provider
    ).pending
    first.refresh_from_db()
    assert first.state == ServiceChange.State.WITHDRAWN
    assert second.proposed == {"age_min": "6.0"}
    assert ServiceChange.objects.filter(service=service, state=ServiceChange.State.PENDING).count() == 1


def test_the_edit_form_shows_the_providers_pending_values(client, provider, service):
    services.service_edit(service=service, values=services.form_values_from_service(service, age_min="7"), by=provider)
    client.force_login(provider)
    page = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    assert 'name="age_min" type="text" value="7"' in page
    assert "still waiting for approval" in page


def test_a_moderators_edit_publishes_at_once(client, moderator, service):
    client.force_login(moderator)
    client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, age_max="12"))
    assert public_view(service).age_max == Decimal("12")
    assert not ServiceChange.objects.exists()


def test_a_moderators_edit_of_a_new_listing_does_not_say_it_is_published(client, moderator, org, areas):
    # It said "Saved and published." of a listing still waiting for approval, which the public cannot see.
    from directory.listings.views import NEW_LISTING_SAVED

    service = ServiceFactory(organisation=org, name="New service", is_published=False, coverage=[areas["W06000015"]])
    ServiceChange.objects.create(service=service, kind=ServiceChange.Kind.NEW)
    client.force_login(moderator)
    response = client.post(
        reverse("listings:service_edit", args=[service.public_id]), form_data(service, description_en="Changed"),
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [NEW_LISTING_SAVED % {"name": "New service"}]
    service.refresh_from_db()
    assert service.description_en == "Changed" and not service.is_published


def test_each_age_box_out_of_range_says_which_box_it_is(client, provider, service):
    # Both said "Enter an age in years from 0 to 25, like 4 or 4.5.": the error summary listed the
    # same words twice, one link for each box, without saying which was which.
    client.force_login(provider)
    response = client.post(
        reverse("listings:service_edit", args=[service.public_id]), form_data(service, age_min="-1", age_max="30"),
    )
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S).group(1)
    links = [(href, html.unescape(text)) for href, text in re.findall(r'<a href="(#[^"]+)">(.*?)</a>', summary)]
    assert links == [("#id_age_min", str(AGE_MIN_RANGE)), ("#id_age_max", str(AGE_MAX_RANGE))]
    assert "youngest" in links[0][1] and "oldest" in links[1][1]
    with translation.override("cy"):
        assert str(AGE_MIN_RANGE) != str(AGE_MAX_RANGE)
        assert "ieuengaf" in str(AGE_MIN_RANGE) and "hynaf" in str(AGE_MAX_RANGE)


@pytest.mark.parametrize(
    ("language", "age_min", "age_max"),
    [("en", "5 years", "16 years old"), ("en", "5yrs", "16 yrs"), ("cy", "5 oed", "16 mlwydd oed")],
)
def test_the_age_boxes_take_an_age_with_the_word_for_years_as_the_search_does(
    client, provider, service, language, age_min, age_max,
):
    # The search's age box took "4 years"; the listing's refused it ("Enter the youngest age in years…").
    client.force_login(provider)
    prefix = "/cy" if language == "cy" else ""
    response = client.post(
        prefix + reverse("listings:service_edit", args=[service.public_id]),
        form_data(service, age_min=age_min, age_max=age_max),
    )
    assert response.status_code == 302, response.context["form"].errors
    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    assert change.proposed == {"age_min": "5.0", "age_max": "16.0"}


def test_an_age_in_months_is_told_to_be_given_in_years_in_welsh_too(client, provider, service):
    client.force_login(provider)
    url = "/cy" + reverse("listings:service_edit", args=[service.public_id])
    page = client.post(url, form_data(service, age_min="6 mis")).content.decode()
    assert "Rhowch yr oedran ieuengaf mewn blynyddoedd, nid mewn misoedd nac wythnosau: am 18 mis, rhowch 1.5." in page
    assert "not months" not in page
    assert "6 mis" in page  # what was typed stays in the box
    assert not ServiceChange.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"age_min": "12", "age_max": "8"}, "age_min", AGE_ORDER),
        ({"supports_child": False, "supports_parent_carer": False, "supports_sibling": False},
         "supports_child", SUPPORTS_NOBODY),
        ({field: False for field in vocabulary.ABUSE_FORM_FIELDS.values()}, "abuse_intra_familial", NO_ABUSE_FORMS),
        ({field: False for field in vocabulary.REFERRER_FIELDS.values()}, "referral_by_professional", NO_REFERRERS),
        ({"pre_trial_therapy": True, "requires_proceedings_finished": True}, "requires_proceedings_finished",
         PRE_TRIAL_CONFLICT),
        ({"age_max": "30"}, "age_max", AGE_MAX_RANGE),
        ({"age_min": "four"}, "age_min", AGE_MIN_RANGE),
        ({"age_min": "6 months"}, "age_min", AGE_MIN_IN_MONTHS),
        ({"age_max": "18 mths"}, "age_max", AGE_MAX_IN_MONTHS),
        ({"age_min": "4.25 years"}, "age_min", AGE_MIN_RANGE),
        ({"name_en": ""}, "name_en", NAME_REQUIRED),
        ({"referral_email": "not-an-email"}, "referral_email", EMAIL_INVALID),
        ({"status": "gone"}, "status", STATUS_REQUIRED),
    ],
)
def test_the_edit_form_explains_invalid_input_and_stores_nothing(client, provider, service, overrides, field, message):
    versions = service.history.count()
    client.force_login(provider)
    response = client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, **overrides))
    assert response.status_code == 200
    assert any(str(message) in error for error in response.context["form"].errors[field])
    assert "There is a problem" in response.content.decode()
    assert not ServiceChange.objects.exists()
    assert service.history.count() == versions


class _Described(HTMLParser):
    """Each element's id and text, and what each fieldset (by its legend) and input is described by."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.text_by_id: dict[str, str] = {}
        self.described: dict[str, list[str]] = {}
        self._stack: list[tuple[str, str]] = []  # (tag, id) of the open elements
        self._fieldsets: list[list[str]] = []
        self._legend: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        described = (attrs.get("aria-describedby") or "").split()
        if tag == "input" and attrs.get("id"):
            self.described[attrs["id"]] = described
        if tag in self.VOID:
            return
        if attrs.get("id"):
            self.text_by_id[attrs["id"]] = ""
        self._stack.append((tag, attrs.get("id") or ""))
        if tag == "fieldset":
            self._fieldsets.append(described)
        elif tag == "legend":
            self._legend = ""

    def handle_endtag(self, tag):
        while self._stack and self._stack.pop()[0] != tag:
            pass
        if tag == "legend" and self._legend is not None:
            self.described[" ".join(self._legend.split())] = self._fieldsets[-1]
            self._legend = None
        elif tag == "fieldset":
            self._fieldsets.pop()

    def handle_data(self, data):
        if self._legend is not None:
            self._legend += data
        for _tag, open_id in self._stack:
            if open_id:
                self.text_by_id[open_id] += data


def _description(html: str, key: str) -> str:
    """What a screen reader adds to a control or a group's legend: the text of its aria-describedby."""
    parser = _Described()
    parser.feed(html)
    ids = next(ids for name, ids in parser.described.items() if name.startswith(key))
    assert all(i in parser.text_by_id for i in ids), f"{key} is described by an id not on the page: {ids}"
    return " ".join(" ".join(parser.text_by_id[i].split()) for i in ids)


def test_an_error_on_a_group_of_boxes_or_one_box_is_read_with_it(client, provider, service):
    # Following the error summary's link put focus on "The child", a box whose group did not say
    # it was in error: the message sat in the group with nothing tying it to the group or the box.
    client.force_login(provider)
    data = form_data(service, supports_child=False, supports_parent_carer=False, supports_sibling=False,
                     pre_trial_therapy=True, requires_proceedings_finished=True)
    html = client.post(reverse("listings:service_edit", args=[service.public_id]), data).content.decode()
    assert _description(html, "Who it supports") == f"Select all that apply. Error: {SUPPORTS_NOBODY}"
    assert _description(html, "id_requires_proceedings_finished") == f"Error: {PRE_TRIAL_CONFLICT}"
    # Opened afresh, the group is described by its hint only, and the box by nothing.
    html = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    assert _description(html, "Who it supports") == "Select all that apply."
    assert _description(html, "id_requires_proceedings_finished") == ""


class _Outline(HTMLParser):
    """The names a screen reader announces for the page's sections: each heading and each legend
    (a heading inside a legend is the legend's name, announced once)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._open: list[str] = []  # the headings and legends being read, outermost first
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag in ("legend", "h1", "h2", "h3", "h4", "h5", "h6"):
            if not self._open:
                self._text = ""
            self._open.append(tag)

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()
            if not self._open:
                self.names.append(" ".join(self._text.split()))

    def handle_data(self, data):
        if self._open:
            self._text += data


@pytest.mark.parametrize(("prefix", "status", "approval", "error"), [("", "Status", "Needs approval", "Error:"),
                                                                     ("/cy", "Statws", "Angen cymeradwyaeth", "Gwall:")])
def test_the_status_question_is_named_once_its_legend_being_the_sections_heading(
    client, provider, service, prefix, status, approval, error,
):
    # A heading "Status" was followed by a legend "Status": a screen reader announced it twice.
    client.force_login(provider)
    url = prefix + reverse("listings:service_edit", args=[service.public_id])
    page = client.get(url).content.decode()
    outline = _Outline()
    outline.feed(page)
    assert f"{status} {approval}" in outline.names
    assert status not in outline.names
    assert all(a != b for a, b in zip(outline.names, outline.names[1:], strict=False)), outline.names
    # Still a heading (h2) for those who move by headings, inside the radios' legend.
    assert re.search(rf'<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">'
                     rf'{status} <strong', page)

    # Its hint and, when sent wrong, its error are read with the legend; the summary links to the first radio.
    page = client.post(url, form_data(service, status="gone")).content.decode()
    with translation.override("cy" if prefix else "en"):
        assert _description(page, status).endswith(f"{error} {STATUS_REQUIRED}")
    assert '<a href="#id_status_0">' in page


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_every_section_of_the_edit_form_is_an_h2_heading_named_once(client, provider, service, prefix):
    # The sections of checkboxes ("Forms of abuse it works with", "Who it supports", ...) had a legend
    # that was no heading: those moving by headings skipped them. Each legend that names a section now
    # holds its h2 (GOV.UK's "legend as page heading"), so the name is said once, not as heading and legend.
    client.force_login(provider)
    page = client.get(prefix + reverse("listings:service_edit", args=[service.public_id])).content.decode()
    headings = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", h)).split()) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page, re.S)]
    with translation.override("cy" if prefix else "en"):
        sections = [str(legend) for legend, _hint, _names in ServiceForm.fieldsets]
    for section in sections:
        assert any(h == section or h.startswith(f"{section} ") for h in headings), (section, headings)
    section_legends = re.findall(r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">(.{0,40})', page)
    assert len(section_legends) >= 5
    assert all(legend.startswith('<h2 class="govuk-fieldset__heading">') for legend in section_legends), section_legends
    outline = _Outline()
    outline.feed(page)
    assert all(a != b for a, b in zip(outline.names, outline.names[1:], strict=False)), outline.names


def test_restore_brings_back_an_earlier_version_including_coverage(moderator, provider, service, areas):
    original = service.history.order_by("-history_id").first()
    services.service_edit(
        service=service,
        values=services.form_values_from_service(service, referral_phone="1", coverage_areas=["W06000001"]),
        by=moderator,
    )
    assert public_view(service).referral_phone == "1"
    services.service_restore(service=service, record=original, by=moderator)
    live = public_view(service)
    assert live.referral_phone == "01000 000000"
    assert [a.code for a in live.coverage_areas.all()] == ["W06000015"]
    assert service.history.order_by("-history_id").first().history_change_reason.startswith("Restored")


def test_history_lists_who_changed_what(client, provider, service):
    services.service_edit(
        service=service, values=services.form_values_from_service(service, referral_phone="02999 999999"), by=provider
    )
    entries = selectors.service_history(service=service, viewer=provider)
    assert entries[0].who == "own@example.org"
    assert [(c.label, c.before, c.after) for c in entries[0].changes] == [
        ("Referral phone", "01000 000000", "02999 999999")
    ]
    client.force_login(provider)
    page = client.get(reverse("listings:history", args=[service.public_id])).content.decode()
    assert "02999 999999" in page and "own@example.org" in page
    assert "Restore this version" not in page  # providers cannot restore


def test_history_page_query_count_does_not_grow_with_versions(client, moderator, service, django_assert_max_num_queries):
    for n in range(8):
        services.service_edit(
            service=service, values=services.form_values_from_service(service, referral_phone=str(n)), by=moderator
        )
    client.force_login(moderator)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("listings:history", args=[service.public_id])).status_code == 200


def test_textarea_line_breaks_from_a_browser_are_not_a_change(client, provider, service):
    service.description_en = "Line one.\nLine two."
    service.save()
    versions = service.history.count()
    client.force_login(provider)
    client.post(
        reverse("listings:service_edit", args=[service.public_id]),
        form_data(service, description_en="Line one.\r\nLine two."),
    )
    assert service.history.count() == versions


def test_a_moderator_reviews_a_new_listing_field_by_field_and_sees_a_decision_afterwards(
    client, provider, moderator, org, service
):
    client.force_login(provider)
    data = form_data(service, name_en="Sibling support")
    data["organisation"] = org.pk
    client.post(reverse("listings:service_new"), data)
    change = ServiceChange.objects.get(service__name_en="Sibling support")

    client.force_login(moderator)
    page = client.get(reverse("listings:change_detail", args=[change.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "the public cannot see it until you approve" in text
    assert "Cardiff" in text and "Sibling support" in text  # the areas and the name, proposed
    assert "Approve and publish" in text

    client.post(reverse("listings:change_reject", args=[change.pk]), {"reason": "Add the referral form."})
    text = client.get(reverse("listings:change_detail", args=[change.pk])).content.decode()
    assert "Not approved" in text and "Rejected" not in text and "by mod@example.org" in text
    assert "Reason given to the provider: Add the referral form." in text
    assert "until you approve" not in text and "Approve and publish" not in text


def test_a_name_with_a_line_break_is_saved_and_the_moderators_emailed_with_a_one_line_subject(
    client, provider, moderator, service, sent
):
    """The subject names the service: Django refuses a subject with a line break in it, which made the
    saved edit answer with a server error and left the moderators untold."""
    client.force_login(provider)
    data = form_data(service, name_en="Own service\r\nBcc: someone@example.org", age_max="16")
    with sent():
        response = client.post(reverse("listings:service_edit", args=[service.public_id]), data)

    assert response.status_code == 302
    assert ServiceChange.objects.filter(service=service, state=ServiceChange.State.PENDING).exists()
    assert [(m.subject, m.to, m.bcc) for m in mail.outbox] == [
        ("Waiting for approval: Own service Bcc: someone@example.org", ["mod@example.org"], [])
    ]


def _approve_form_version(page: str) -> str:
    form = re.search(r'<form [^>]*action="[^"]*/approve/">(.*?)</form>', page, re.S).group(1)
    return re.search(r'name="seen_version" value="(\d+)"', form).group(1)


def test_a_new_listing_edited_after_the_moderator_opened_it_is_not_published_unseen(
    client, provider, moderator, org, service
):
    """A new listing is published as it stands: an edit made while the moderator had it open was
    published with the approval, though no moderator had seen it."""
    client.force_login(provider)
    data = form_data(service, name_en="Sibling support")
    data["organisation"] = org.pk
    client.post(reverse("listings:service_new"), data)
    new = Service.objects.get(name_en="Sibling support")
    change = ServiceChange.objects.get(service=new)
    client.force_login(moderator)
    seen = _approve_form_version(client.get(reverse("listings:change_detail", args=[change.pk])).content.decode())

    client.force_login(provider)
    edited = form_data(new, name_en="Sibling support", description_en="Not what the moderator read")
    assert client.post(reverse("listings:service_edit", args=[new.public_id]), edited).status_code == 302

    client.force_login(moderator)
    response = client.post(reverse("listings:change_approve", args=[change.pk]), {"seen_version": seen}, follow=True)
    assert response.redirect_chain == [(reverse("listings:change_detail", args=[change.pk]), 302)]
    assert str(services.CHANGED_SINCE_OPENED) in response.content.decode()
    assert "Not what the moderator read" in response.content.decode()  # shown now, for a second look
    change.refresh_from_db()
    assert change.state == ServiceChange.State.PENDING
    assert not Service.objects.published().filter(pk=new.pk).exists()

    seen = _approve_form_version(response.content.decode())
    response = client.post(reverse("listings:change_approve", args=[change.pk]), {"seen_version": seen})
    assert response.status_code == 302 and response["Location"] == reverse("listings:moderation")
    assert public_view(new).description == "Not what the moderator read"


def test_approving_a_new_listing_without_saying_which_version_was_seen_publishes_nothing(
    client, provider, moderator, org, service
):
    new = services.service_create(
        organisation=org, values=services.form_values_from_service(service, name_en="Sibling support"), by=provider,
    )
    change = ServiceChange.objects.get(service=new)
    client.force_login(moderator)
    response = client.post(reverse("listings:change_approve", args=[change.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("listings:change_detail", args=[change.pk])
    assert not Service.objects.published().filter(pk=new.pk).exists()


def test_approving_a_change_its_provider_has_sent_again_since_says_so_and_leads_to_the_later_one(
    client, provider, moderator, service,
):
    client.force_login(provider)
    edit = reverse("listings:service_edit", args=[service.public_id])
    client.post(edit, form_data(service, age_max="16"))
    first = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    client.post(edit, form_data(service, age_max="15"))  # the moderator's emailed link still names the first
    later = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)

    client.force_login(moderator)
    response = client.post(reverse("listings:change_approve", args=[first.pk]), {"seen_version": 0}, follow=True)

    html = response.content.decode()
    assert str(services.CHANGE_REPLACED) in html
    assert "already been decided" not in html
    assert f'href="{reverse("listings:change_detail", args=[later.pk])}"' in html
    later.refresh_from_db()
    service.refresh_from_db()
    assert later.state == ServiceChange.State.PENDING and service.age_max == Decimal("18")


def test_approving_a_change_its_provider_has_taken_back_says_so(client, provider, moderator, service):
    client.force_login(provider)
    edit = reverse("listings:service_edit", args=[service.public_id])
    client.post(edit, form_data(service, age_max="16"))
    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    client.post(edit, form_data(service, age_max="18"))  # back as it is live: nothing left to propose

    client.force_login(moderator)
    response = client.post(reverse("listings:change_approve", args=[change.pk]), {"seen_version": 0}, follow=True)

    html = response.content.decode()
    assert str(services.CHANGE_WITHDRAWN) in html
    assert str(services.CHANGE_REPLACED) not in html
    assert not ServiceChange.objects.filter(service=service, state=ServiceChange.State.PENDING).exists()


def _state_shown(html: str) -> str:
    return re.search(r'<strong class="govuk-tag">([^<]+)</strong>', html).group(1)


def test_a_change_taken_back_with_nothing_in_its_place_is_labelled_withdrawn_not_replaced(
    client, provider, moderator, service
):
    # It was labelled "Replaced by a later change", on its page and in the listing's history, though nothing replaced it.
    import time_machine

    client.force_login(provider)
    edit = reverse("listings:service_edit", args=[service.public_id])
    with time_machine.travel("2026-03-02 10:00"):
        client.post(edit, form_data(service, age_max="16"))
        taken_back = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    with time_machine.travel("2026-03-02 11:00"):
        client.post(edit, form_data(service, age_max="18"))  # back as it is live: nothing left to propose
    with time_machine.travel("2026-03-05 09:00"):  # a proposal days later replaces nothing
        client.post(edit, form_data(service, age_max="15"))
        sent_later = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    with time_machine.travel("2026-03-05 09:30"):
        client.post(edit, form_data(service, age_max="14"))  # this one does replace it
    client.force_login(moderator)
    assert _state_shown(client.get(reverse("listings:change_detail", args=[taken_back.pk])).content.decode()) == "Withdrawn"
    replaced = client.get(reverse("listings:change_detail", args=[sent_later.pk])).content.decode()
    assert _state_shown(replaced) == "Replaced by a later change"
    history = client.get(reverse("listings:history", args=[service.public_id])).content.decode()
    states = re.findall(r"<td class=\"govuk-table__cell\"[^>]*>(Waiting for approval|Replaced by a later change|Withdrawn)", history)
    assert states == ["Waiting for approval", "Replaced by a later change", "Withdrawn"]
    # When each was taken back, as a decision says when it was made.
    assert "Replaced by a later change on 5 Mar 2026</td>" in history and "Withdrawn on 2 Mar 2026</td>" in history
    with translation.override("en"):  # a Welsh page leaves Welsh active here, and reverse() follows it
        welsh_history = client.get(f"/cy{reverse('listings:history', args=[service.public_id])}").content.decode()
    assert "Tynnwyd yn ôl ar 2 Maw 2026</td>" in welsh_history
    assert "Tynnwyd yn ôl" in client.get(f"/cy{reverse('listings:change_detail', args=[taken_back.pk])}").content.decode()


def test_history_links_each_change_to_its_page_for_a_moderator_only(client, provider, moderator, service):
    # The history listed the changes sent for approval with no way to open one and see what it changed.
    edit = reverse("listings:service_edit", args=[service.public_id])
    client.force_login(provider)
    client.post(edit, form_data(service, age_max="16"))
    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    history = reverse("listings:history", args=[service.public_id])
    detail = reverse("listings:change_detail", args=[change.pk])

    # A provider may not open a change's page: no link to it.
    provider_page = client.get(history).content.decode()
    assert str(change.kind_label) in provider_page
    assert detail not in provider_page
    assert client.get(detail).status_code == 403

    client.force_login(moderator)
    page = client.get(history).content.decode()
    # Carrying where it was opened from: the change's back link comes back here (test_return_to_list.py).
    assert f'<a class="govuk-link" href="{detail}?{urlencode({"next": history})}">{change.kind_label}' in page
    assert client.get(detail).status_code == 200


@pytest.mark.parametrize(("stored", "typed"), [
    ("Ŵyr a wyresau", "ŵYR A WYRESAU"),  # Welsh's own capitals: SQLite's iexact folds A-Z alone
    ("Cymorth Érasmus", "cymorth érasmus"),
    ("Cymorth Érasmus", "Cymorth E\u0301rasmus"),  # the accent typed as a combining mark
    ("Sibling  support", "sibling support"),
])
def test_a_name_another_listing_has_is_refused_in_any_unicode_letter_case(client, provider, org, service, stored, typed):
    Service.objects.filter(pk=service.pk).update(name_en=stored, name_cy=stored)
    client.force_login(provider)
    data = {**form_data(service, name_en=typed, name_cy=""), "organisation": org.pk}

    response = client.post(reverse("listings:service_new"), data)

    assert response.status_code == 200
    assert set(_name_errors(response)) == {"name_en"}  # the Welsh name, read as the English one, not said twice
    assert Service.objects.filter(organisation=org).count() == 1


def test_name_key_folds_unicode_case_accents_and_spaces_alike():
    from directory.listings.selectors import name_key

    assert name_key(" Ŵyr  a WYRESAU ") == name_key("ŵyr a wyresau") == "ŵyr a wyresau"
    assert name_key("CAFÉ") == name_key("cafe\u0301") == name_key("Café")
    assert name_key("Straße") == name_key("STRASSE")
    assert name_key("Cardiff therapy") != name_key("Cardiff therapies")

def test_an_edit_s_fields_saved_by_someone_else_after_the_moderator_opened_it_are_not_written_over_unseen(
    client, provider, moderator, service
):
    """A moderator approved "youngest age 5 -> 7" from a page opened before another moderator (or a
    bulk update) saved the age as 6: the 6 was written over unseen, the diff approved no longer what
    was published. Now the page comes back with the diff as it stands; a save of other fields does not stop it."""
    change = services.service_edit(service=service, values=services.form_values_from_service(service, age_min="7"),
                                   by=provider).pending
    client.force_login(moderator)
    seen = _approve_form_version(client.get(reverse("listings:change_detail", args=[change.pk])).content.decode())
    services.service_edit(service=service, values=services.form_values_from_service(service, age_min="6"), by=moderator)

    response = client.post(reverse("listings:change_approve", args=[change.pk]), {"seen_version": seen}, follow=True)

    assert response.redirect_chain == [(reverse("listings:change_detail", args=[change.pk]), 302)]
    assert str(services.LIVE_CHANGED_SINCE_OPENED) in html.unescape(response.content.decode())
    change.refresh_from_db()
    service.refresh_from_db()
    assert change.state == ServiceChange.State.PENDING and service.age_min == Decimal("6")

    seen = _approve_form_version(response.content.decode())
    service.refresh_from_db()
    services.service_edit(service=service, values=services.form_values_from_service(
        service, description_en="Only the description"), by=moderator)
    response = client.post(reverse("listings:change_approve", args=[change.pk]), {"seen_version": seen})
    assert response.status_code == 302 and response["Location"] == reverse("listings:moderation")
    service.refresh_from_db()
    assert service.age_min == Decimal("7") and service.description_en == "Only the description"
