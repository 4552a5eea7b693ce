from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from directory import unusual_waits
from directory.accounts.services import moderator_create
from directory.listings.forms import NAME_ALREADY_LISTED
from directory.models import WAIT_AS_OF_IN_FUTURE, Organisation, Service, Taxonomy, TaxonomyTerm, WaitingTimeReport
from tests.factories import ServiceAtLocationFactory, ServiceFactory, UserFactory, WaitingTimeReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client):
    user = UserFactory(username="mod", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", ["area", "organisation", "service", "location", "waitingtimereport", "taxonomy", "taxonomyterm",
              "postcode", "postcodedistrict"],
)
def test_every_model_has_a_working_admin_list_and_add_page(moderator_client, model, wales_areas):
    ServiceAtLocationFactory()
    assert moderator_client.get(reverse(f"admin:directory_{model}_changelist") + "?q=a").status_code == 200
    assert moderator_client.get(reverse(f"admin:directory_{model}_add")).status_code == 200


def test_the_service_page_shows_coverage_locations_and_wait_history(moderator_client, wales_areas):
    service = ServiceFactory(coverage=[wales_areas["W06000015"]])
    WaitingTimeReportFactory(service=service, weeks=9)
    ServiceAtLocationFactory(service=service)
    response = moderator_client.get(reverse("admin:directory_service_change", args=[service.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Cardiff" in body and "coverage" in body.lower()
    # Wait reports are shown read-only in the inline: history is added to, never rewritten.
    assert re.search(r'field-weeks[^>]*>\s*<p>9</p>', body)


def test_the_admin_history_page_lists_changes(moderator_client):
    service = ServiceFactory(name="Before")
    service.name = "After"
    service.save()
    response = moderator_client.get(reverse("admin:directory_service_history", args=[service.pk]))
    assert response.status_code == 200
    assert WaitingTimeReport.objects.count() == 0
    assert service.history.count() == 2


@pytest.mark.parametrize("model", ["organisation", "service", "location"])
@pytest.mark.parametrize("address", ["{id}/history/", "{id}/history/1/", "1/history/{id}/"])
@pytest.mark.parametrize("bad_id", ["x", "ü", "00000000-0000-0000-0000-000000000000"])
def test_a_history_address_naming_no_row_is_not_found_not_a_server_error(moderator_client, model, address, bad_id):
    # django-simple-history looked the id up as given: "Field 'id' expected a number but got 'x'" (a 500).
    ServiceAtLocationFactory()
    response = moderator_client.get(f"/admin/directory/{model}/" + address.format(id=bad_id))
    assert response.status_code == 404


@pytest.mark.parametrize(("model", "field"), [(Organisation, "website"), (Service, "referral_url"),
                                              (Taxonomy, "uri"), (TaxonomyTerm, "term_uri")])
def test_a_link_typed_without_its_scheme_is_taken_as_https_with_no_warning(moderator_client, model, field, recwarn):
    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)

    form = admin.site._registry[model].get_form(request)

    assert form.base_fields[field].clean("example.org/refer") == "https://example.org/refer"
    assert moderator_client.get(reverse(f"admin:directory_{model._meta.model_name}_add")).status_code == 200
    assert [str(w.message) for w in recwarn if "assume_scheme" in str(w.message)] == []


# The admin has no sign-in form of its own: the site's page holds the limits on wrong passwords.
def test_the_admin_sends_a_signed_out_visitor_to_the_sites_sign_in_page_and_back(client):
    response = client.get("/admin/directory/service/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/directory/service/"
    UserFactory(username="root", is_staff=True, is_superuser=True)
    signed_in = client.post("/accounts/login/?next=/admin/directory/service/",
                            {"username": "root", "password": "a-long-test-password",
                             "next": "/admin/directory/service/"})
    assert signed_in["Location"] == "/admin/directory/service/"
    assert client.get("/admin/directory/service/").status_code == 200


def test_the_admins_own_sign_in_form_checks_no_password(client, settings):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    settings.SIGN_IN_FAILURE_RATE = "1/hour"
    client.post("/accounts/login/", {"username": "someone@example.org", "password": "wrong"})  # paused now
    response = client.post("/admin/login/", {"username": "root", "password": "a-long-test-password"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_signed_in_provider_is_refused_the_admin_not_sent_round_in_circles(client):
    client.force_login(UserFactory(username="provider@example.org"))
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/", follow=True).status_code == 403


def test_a_linked_records_box_in_a_tabular_inline_is_named_by_its_column(moderator_client, wales_areas):
    # The coverage and location rows choose their record in an autocomplete (a RelatedFieldWidgetWrapper
    # around a select): the name was set on the wrapper, whose attrs are not the rendered copy's, so
    # the select, and select2's box drawn from it, had none.
    service = ServiceFactory(coverage=[wales_areas["W06000015"]])
    ServiceAtLocationFactory(service=service)
    body = moderator_client.get(reverse("admin:directory_service_change", args=[service.pk])).content.decode()
    area = re.search(r'<select name="Service_coverage_areas-0-area"[^>]*>', body).group(0)
    location = re.search(r'<select name="service_at_locations-0-location"[^>]*>', body).group(0)
    assert 'aria-label="Area"' in area and 'aria-label="Location"' in location


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_admins_searches_find_a_record_with_no_welsh_name_on_welsh_pages_too(moderator_client, language):
    # modeltranslation reads "name" as the page's language's column: on /cy/admin/ the searches,
    # and the autocomplete box choosing a service's organisation, looked at name_cy alone.
    service = ServiceFactory(name="Harbour Recovery", organisation__name="Lighthouse Trust")
    prefix = "/cy" if language == "cy" else ""
    assert service.organisation.name_cy in (None, "") and service.name_cy in (None, "")
    found = moderator_client.get(f"{prefix}/admin/autocomplete/", {
        "app_label": "directory", "model_name": "service", "field_name": "organisation", "term": "Lighthouse"})
    assert [row["id"] for row in found.json()["results"]] == [str(service.organisation.pk)]
    for model, term, pk in (("organisation", "Lighthouse", service.organisation.pk), ("service", "Harbour", service.pk),
                            ("service", "Lighthouse", service.pk)):
        response = moderator_client.get(f"{prefix}/admin/directory/{model}/", {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list.values_list("pk", flat=True)) == [pk]


# Our apps' models, as the admin lists them: Django's own (users, groups) and django-axes's are theirs.
OUR_APPS = {"directory", "accounts", "gaps"}
# Words that are the same in Welsh.
SAME_IN_WELSH = {"URI"}


def _our_admin_models():
    return [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def _names(model) -> dict[str, object]:
    """The model's names and the labels and hints of the fields its admin can show, untranslated
    (lazy) until read. A field nobody edits is shown only where the admin lists it or shows it read-only."""
    model_admin = admin.site._registry[model]
    shown = {*model_admin.list_display, *model_admin.readonly_fields}
    names = {"verbose_name": model._meta.verbose_name, "verbose_name_plural": model._meta.verbose_name_plural}
    for field in model._meta.get_fields():
        if field.auto_created or not field.concrete or not (field.editable or field.name in shown):
            continue
        names[f"{field.name}.verbose_name"] = field.verbose_name
        if field.help_text:
            names[f"{field.name}.help_text"] = field.help_text
    return names


@pytest.mark.parametrize("model", _our_admin_models(), ids=lambda model: model._meta.label)
def test_every_admin_models_name_and_fields_have_welsh(model):
    # On /cy/admin/ a Welsh-speaking moderator read "Services", "organisation", "is sample"...
    names = _names(model)
    with translation.override("en"):
        english = {key: str(text) for key, text in names.items()}
    with translation.override("cy"):
        welsh = {key: str(text) for key, text in names.items()}
    untranslated = [f"{key}: {text!r}" for key, text in english.items()
                    if welsh[key] == text and text not in SAME_IN_WELSH]
    assert not untranslated, "no Welsh for:\n" + "\n".join(untranslated)


def test_the_welsh_admin_names_records_and_fields_in_welsh(moderator_client, wales_areas):
    service = ServiceFactory(name="Harbour Recovery", coverage=[wales_areas["W06000015"]])
    WaitingTimeReportFactory(service=service, weeks=9)

    index = moderator_client.get("/cy/admin/").content.decode()
    for text in ("Cyfeiriadur", "Gwasanaethau", "Sefydliadau", "Adroddiadau amser aros", "Bylchau", "Cyfrifon"):
        assert f">{text}<" in index, text
    assert ">Services<" not in index and ">Directory<" not in index

    changelist = moderator_client.get("/cy/admin/directory/service/").content.decode()
    for text in ("Sefydliad", "Statws", "Oedran ieuengaf (blynyddoedd)", "Cadarnhawyd ddiwethaf gan berson"):
        assert re.search(rf'<th scope="col" class="[^"]*">\s*(<div class="text">)?(<a [^>]*>)?{re.escape(text)}<',
                         changelist), text
    assert "Yn ôl data enghreifftiol" in changelist  # the filter on the organisation's "is sample"

    change = moderator_client.get(f"/cy/admin/directory/service/{service.pk}/change/").content.decode()
    for label in ("Sefydliad", "Enw [en]", "Crëwyd", "Ffôn atgyfeirio"):
        assert re.search(rf"<label[^>]*>{re.escape(label)}:</label>", change), label
    assert re.search(r'<th class="column-area[^"]*">\s*Ardal', change)  # the coverage rows' column
    assert "Harbour Recovery: 9 wythnos ar " in change  # a wait report's row names itself in Welsh


def test_the_english_admin_keeps_its_english_names(moderator_client):
    service = ServiceFactory()

    index = moderator_client.get("/admin/").content.decode()
    assert all(f">{text}<" in index for text in ("Directory", "Services", "Organisations", "Waiting time reports"))
    change = moderator_client.get(f"/admin/directory/service/{service.pk}/change/").content.decode()
    for label in ("Organisation", "Name [en]", "Youngest age (years)", "Referral phone"):
        assert re.search(rf"<label[^>]*>{re.escape(label)}:</label>", change), label


RECORDED_NOW = {"recorded_at_0": "2026-12-06", "recorded_at_1": "12:00:00"}


@pytest.mark.parametrize("days_ahead", [1, 365])
def test_a_wait_dated_in_the_future_is_refused_with_the_date_kept(moderator_client, days_ahead, time_machine):
    # A wait's date typed a year out (2027 for 2026) was saved: as the newest report it stayed the
    # service's current wait, "reported today" to the public, never stale, and every wait the provider
    # gave after it was hidden behind it until that date came.
    time_machine.move_to("2026-12-06 12:00:00+00:00", tick=False)
    service = ServiceFactory()
    response = moderator_client.post(reverse("admin:directory_waitingtimereport_add"), {
        "service": service.pk, "weeks": "4", "referrals_open": "on",
        "as_of": (date(2026, 12, 6) + timedelta(days=days_ahead)).isoformat(), **RECORDED_NOW,
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["as_of"] == [str(WAIT_AS_OF_IN_FUTURE)]
    assert not WaitingTimeReport.objects.exists()


def test_a_wait_dated_today_or_earlier_is_saved_from_the_admin(moderator_client, time_machine):
    time_machine.move_to("2026-12-06 12:00:00+00:00", tick=False)
    service = ServiceFactory()
    for as_of in ("2026-12-06", "2026-11-01"):
        response = moderator_client.post(reverse("admin:directory_waitingtimereport_add"), {
            "service": service.pk, "weeks": "4", "referrals_open": "on", "as_of": as_of, **RECORDED_NOW,
        })
        assert response.status_code == 302, response.context["adminform"].form.errors
    assert sorted(str(d) for d in WaitingTimeReport.objects.values_list("as_of", flat=True)) == [
        "2026-11-01", "2026-12-06"
    ]


def test_a_wait_over_two_years_from_the_admin_is_asked_about_until_confirmed(moderator_client, time_machine):
    # The admin took 200 weeks typed for 20 without a question, as the provider's wait page did.
    time_machine.move_to("2026-12-06 12:00:00+00:00", tick=False)
    service = ServiceFactory()
    data = {"service": service.pk, "weeks": "200", "referrals_open": "on", "as_of": "2026-12-06", **RECORDED_NOW}
    response = moderator_client.post(reverse("admin:directory_waitingtimereport_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["weeks"] == [
        "200 weeks is about 3 years and 10 months. Check the number of weeks. If the wait really is that long, "
        "tick the box below to confirm it."
    ]
    assert not WaitingTimeReport.objects.exists()

    response = moderator_client.post(reverse("admin:directory_waitingtimereport_add"), {**data, "confirm_unusual": "on"})
    assert response.status_code == 302
    assert list(WaitingTimeReport.objects.values_list("weeks", flat=True)) == [200]
    # 104 weeks needs nothing ticked.
    response = moderator_client.post(reverse("admin:directory_waitingtimereport_add"), {**data, "weeks": "104"})
    assert response.status_code == 302


def test_a_moderator_without_admin_access_is_told_the_admin_is_the_administrators(client):
    """It said "only moderators can approve changes" to a moderator (made by create_moderator, not staff)."""
    client.force_login(moderator_create(email="mod@example.org", password="a-long-test-password").user)
    english = client.get("/admin/", follow=True)
    welsh = client.get("/cy/admin/", follow=True)
    assert english.status_code == welsh.status_code == 403
    assert "Only administrators' accounts can open the admin" in html.unescape(english.content.decode())
    assert "only moderators can approve changes" not in english.content.decode()
    assert "Dim ond cyfrifon gweinyddwyr" in welsh.content.decode()


@pytest.mark.parametrize(("prefix", "label", "help_text"), [
    ("", "Confirm a wait over 156 weeks", "Tick only if the wait really is over 156 weeks (3 years)."),
    ("/cy", "Cadarnhau amser aros dros 156 wythnos",
     "Ticiwch dim ond os yw'r amser aros dros 156 wythnos (3 o flynyddoedd) mewn gwirionedd."),
])
def test_the_admins_confirm_box_names_the_wait_that_is_asked_about(moderator_client, monkeypatch, prefix, label,
                                                                    help_text):
    # Its label and help said "104 weeks (2 years)" in their words, whatever unusual_waits asks about.
    monkeypatch.setattr(unusual_waits, "UNUSUAL_WAIT_WEEKS", 156)
    page = moderator_client.get(prefix + reverse("admin:directory_waitingtimereport_add")).content.decode()
    assert label in page and help_text in page


def _admin_service_form(moderator, service: Service, **changes):
    """The admin's own form for the service, sent back as shown with `changes` (the page's inlines left out)."""
    request = RequestFactory().get("/")
    request.user = moderator
    form_class = admin.site._registry[Service].get_form(request, service if service.pk else None)
    shown = form_class(instance=service)
    data = {name: shown[name].value() for name in shown.fields if shown[name].value() is not None}
    return form_class(data={**data, **changes}, instance=service)


def test_the_admin_refuses_a_name_another_listing_of_the_organisation_has_in_any_letter_case():
    """Only the listings' pages refused a second listing of one name: the admin saved it."""
    moderator = UserFactory(is_staff=True, is_superuser=True)
    taken = ServiceFactory(name_en="Ŵyr a wyresau", name_cy="Cymorth i DEULUOEDD")
    service = ServiceFactory(organisation=taken.organisation, name_en="Own service")

    renamed = _admin_service_form(moderator, service, name_en=" ŵYR A WYRESAU ")
    welsh = _admin_service_form(moderator, service, name_cy="cymorth i deuluoedd")
    added = _admin_service_form(moderator, Service(), **{
        k: v for k, v in _admin_service_form(moderator, service).data.items() if k != "public_id"
    } | {"name_en": "ŵyr a wyresau"})

    assert renamed.errors["name_en"] == [str(NAME_ALREADY_LISTED % {
        "organisation": taken.organisation.name, "name": "ŵYR A WYRESAU"})]
    assert list(welsh.errors) == ["name_cy"]
    assert list(added.errors) == ["name_en"]
    # Its own name kept, or the name moved to another organisation's listing, is no obstacle.
    assert _admin_service_form(moderator, service).is_valid()
    elsewhere = ServiceFactory(name_en="Another")
    assert _admin_service_form(moderator, service, name_en="Another").is_valid()
    moved = _admin_service_form(moderator, taken, organisation=elsewhere.organisation.pk, name_en="ANOTHER")
    assert list(moved.errors) == ["name_en"]
