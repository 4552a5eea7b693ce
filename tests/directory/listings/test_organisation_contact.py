"""A provider changes their organisation's phone, email, website and description (views.organisation_contact).

Only its own providers and moderators may; it is validated as a listing's contact details are, published
at once, recorded in the organisation's history as made by whoever saved it, and every page and document
that shows it (the service page, the Open Referral feed, its services' stored renderings) shows the new
details at once.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from directory import renderings, version
from directory.accounts.decorators import FORM_KEPT
from directory.listings import fields, forms, services
from directory.listings.views import ORGANISATION_CHANGED_SINCE
from directory.models import Organisation, Service
from tests.factories import OrganisationFactory, ServiceAtLocationFactory, UserFactory

LOGIN = "/accounts/login/"
PASSWORD = "a-long-test-password"  # tests.factories.UserFactory


@pytest.fixture
def org(db):
    return OrganisationFactory(
        name="Own organisation", phone="01000 111111", email="old@example.org", website="https://old.example.org",
        description_en="What we did before.",
    )


def _url(organisation: Organisation) -> str:
    return reverse("listings:organisation_contact", args=[organisation.public_id])


def _values(organisation: Organisation, **overrides) -> dict:
    """What the form sends for this organisation, opened now, with some boxes changed."""
    data = {field: getattr(organisation, field) or "" for field in fields.ORGANISATION_CONTACT_FIELDS}
    data["opened_version"] = services.organisation_version(organisation) or 0
    return {**data, **overrides}


NEW = {
    "phone": "029 2012 3456", "email": "hello@example.org", "website": "www.new.example.org",
    "description_en": "A new description.", "description_cy": "Disgrifiad newydd.",
}


# --- who may open it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", "login"), ("other_provider", 404), ("own_provider", 200), ("moderator", 200)],
)
def test_only_the_organisations_providers_and_moderators_may_open_and_save_it(client_as, org, role, expected):
    client = client_as(role)
    page = client.get(_url(org))
    sent = client.post(_url(org), _values(org, phone="029 2099 9999"))

    org.refresh_from_db()
    if expected == "login":
        assert page.status_code == sent.status_code == 302
        assert page["Location"].startswith(LOGIN) and sent["Location"].startswith(LOGIN)
    elif expected == 404:
        assert page.status_code == sent.status_code == 404
    else:
        assert page.status_code == 200
        assert sent.status_code == 302 and sent["Location"] == reverse("listings:dashboard")
    assert (org.phone == "029 2099 9999") is (expected == 200)


def test_a_signed_in_user_of_no_organisation_gets_404(client, org):
    client.force_login(UserFactory())
    assert client.get(_url(org)).status_code == 404
    assert client.post(_url(org), _values(org, phone="029 2099 9999")).status_code == 404
    org.refresh_from_db()
    assert org.phone == "01000 111111"


def test_an_unknown_organisation_is_404(client, provider):
    client.force_login(provider)
    assert client.get(reverse("listings:organisation_contact", args=["00000000-0000-4000-8000-000000000000"])
                      ).status_code == 404


# --- saving ----------------------------------------------------------------------------------------


def test_a_provider_publishes_the_details_at_once_with_a_message(client, provider, org):
    client.force_login(provider)
    response = client.post(_url(org), _values(org, **NEW), follow=True)

    org.refresh_from_db()
    assert (org.phone, org.email, org.website) == ("029 2012 3456", "hello@example.org", "https://www.new.example.org")
    assert (org.description_en, org.description_cy) == ("A new description.", "Disgrifiad newydd.")
    assert "Contact details of Own organisation saved and published." in response.content.decode()


def test_the_change_is_recorded_in_the_history_as_made_by_whoever_saved_it(client, provider, moderator, org):
    client.force_login(provider)
    client.post(_url(org), _values(org, phone="029 2012 3456"))
    org.refresh_from_db()  # the moderator's form is opened on the provider's version
    client.force_login(moderator)
    client.post(_url(org), _values(org, email="mod-set@example.org"))

    records = list(org.history.order_by("-history_id")[:2])
    assert [(r.history_user, r.phone, r.email) for r in records] == [
        (moderator, "029 2012 3456", "mod-set@example.org"),
        (provider, "029 2012 3456", "old@example.org"),
    ]
    assert records[0].history_change_reason == "Edited: published at once"


def test_saving_nothing_changed_records_no_version(client, provider, org):
    client.force_login(provider)
    before = org.history.count()
    assert client.post(_url(org), _values(org)).status_code == 302
    assert org.history.count() == before


def test_the_name_and_numbers_that_say_who_it_is_cannot_be_changed_here(client, provider, org):
    client.force_login(provider)
    client.post(_url(org), _values(org, name="Renamed", charity_number="123", phone="029 2012 3456"))
    org.refresh_from_db()
    assert (org.name, org.charity_number, org.phone) == ("Own organisation", "", "029 2012 3456")


# --- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("phone", "call us", forms.ORGANISATION_PHONE_INVALID),
        ("phone", "0" * 41, forms.ORGANISATION_PHONE_TOO_LONG),
        ("email", "not an address", forms.EMAIL_INVALID),
        ("website", "not a web address", forms.WEBSITE_INVALID),
        ("website", "https://www.nspcc.org.uk@evil.example/", forms.WEBSITE_CREDENTIALS),
        ("website", "https://example.org/" + "a" * 200, forms.WEBSITE_TOO_LONG),
        ("description_en", "x" * 3001, None),
        ("description_cy", "x" * 3001, None),
    ],
)
def test_what_cannot_be_published_is_refused_with_the_summary_and_everything_typed_kept(
    client, provider, org, field, typed, message,
):
    client.force_login(provider)
    sent = {**_values(org, **NEW), field: typed}
    response = client.post(_url(org), sent)

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert f'id="id_{field}-error"' in html  # the error beside its box
    assert f'href="#id_{field}"' in html  # and the summary's link to it
    if message is not None:
        assert html.count(escape(str(message))) == 2  # in the summary and beside the box
    form = response.context["form"]
    assert list(form.errors) == [field]
    for name in fields.ORGANISATION_CONTACT_FIELDS:
        assert form[name].value() == sent[name]  # nothing typed is lost
    org.refresh_from_db()
    assert (org.phone, org.email) == ("01000 111111", "old@example.org")


def test_a_description_over_the_limit_says_how_long_it_is(client, provider, org):
    client.force_login(provider)
    response = client.post(_url(org), _values(org, description_en="x" * 3001))
    assert "It has 3,001" in response.content.decode()


def test_a_phone_an_import_brought_is_kept_when_sent_back_unchanged(client, provider, org):
    Organisation.objects.filter(pk=org.pk).update(phone="ask us")
    org.refresh_from_db()
    client.force_login(provider)
    assert client.post(_url(org), _values(org, email="new@example.org")).status_code == 302
    org.refresh_from_db()
    assert (org.phone, org.email) == ("ask us", "new@example.org")


# --- someone else saved since the form was opened ----------------------------------------------------


def test_a_colleagues_save_since_the_form_was_opened_is_kept(client, provider, org):
    opened = _values(org)
    services.organisation_contact_update(organisation=org, values={"phone": "029 2000 0001"}, by=provider)
    client.force_login(provider)
    assert client.post(_url(org), {**opened, "email": "mine@example.org"}).status_code == 302
    org.refresh_from_db()
    assert (org.phone, org.email) == ("029 2000 0001", "mine@example.org")


def test_the_same_box_changed_by_both_is_shown_again_not_saved_then_saved_when_sent_again(client, provider, org):
    opened = _values(org)
    services.organisation_contact_update(organisation=org, values={"phone": "029 2000 0001"}, by=provider)
    client.force_login(provider)
    response = client.post(_url(org), {**opened, "phone": "029 2000 0002"})

    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [ORGANISATION_CHANGED_SINCE % {"value": "029 2000 0001"}]
    assert response.context["form"]["phone"].value() == "029 2000 0002"
    org.refresh_from_db()
    assert org.phone == "029 2000 0001"
    again = {**opened, "phone": "029 2000 0002", "opened_version": response.context["opened_version"]}
    assert client.post(_url(org), again).status_code == 302
    org.refresh_from_db()
    assert org.phone == "029 2000 0002"


# --- the public sees it ----------------------------------------------------------------------------------


@pytest.fixture
def published(org, service):
    ServiceAtLocationFactory(service=service, location__organisation=org)
    other = Service.objects.get(pk=ServiceAtLocationFactory(service__name="Someone else's").service_id)
    return service, other


def _valid(kind: str) -> set[int]:
    with translation.override("en"):
        generation = version.current_with_generation()[1]
        return set(renderings.fetch(kind, list(Service.objects.values_list("pk", flat=True)), generation=generation))


def test_the_service_page_and_the_open_referral_feed_show_the_new_details_at_once(client, provider, published):
    service, other = published
    call_command("build_renderings", kind=[renderings.CARD, renderings.ORUK_FULL], language=["en"], verbosity=0)
    detail = reverse("directory:service_detail", args=[service.public_id])
    oruk = f"/api/oruk/services/{service.public_id}"
    assert "01000 111111" in client.get(detail).content.decode()
    assert client.get(oruk).json()["organization"]["phones"][0]["number"] == "01000 111111"

    client.force_login(provider)
    client.post(_url(service.organisation), _values(service.organisation, **NEW))
    client.logout()

    # Its services' stored cards and documents are stale; another organisation's are not.
    assert _valid(renderings.CARD) == _valid(renderings.ORUK_FULL) == {other.pk}
    html = client.get(detail).content.decode()
    assert 'href="tel:+442920123456">029 2012 3456</a>' in html
    assert 'href="mailto:hello@example.org"' in html
    assert 'href="https://www.new.example.org"' in html
    assert "01000 111111" not in html
    document = client.get(oruk).json()["organization"]
    assert (document["phones"][0]["number"], document["email"], document["website"], document["description"]) == (
        "029 2012 3456", "hello@example.org", "https://www.new.example.org", "A new description.")
    organisation = client.get(f"/api/oruk/organizations/{service.organisation.public_id}").json()
    assert organisation["email"] == "hello@example.org"


# --- a session that ended ----------------------------------------------------------------------------------


def test_details_sent_after_the_session_ended_are_filled_in_again_after_signing_in_and_not_saved(
    client, provider, org,
):
    sent = client.post(_url(org), _values(org, **NEW))  # signed out
    assert sent["Location"].startswith(reverse("accounts:login"))
    next_url = parse_qs(urlsplit(sent["Location"]).query)["next"][0]
    assert next_url == _url(org)

    page = client.post(reverse("accounts:login"),
                       {"username": provider.username, "password": PASSWORD, "next": next_url}, follow=True)

    assert page.request["PATH_INFO"] == _url(org)
    assert str(FORM_KEPT) in page.content.decode()
    assert page.context["form"]["description_cy"].value() == "Disgrifiad newydd."
    org.refresh_from_db()
    assert org.phone == "01000 111111"  # nothing saved until it is sent again
    assert client.post(_url(org), page.context["form"].data).status_code == 302
    org.refresh_from_db()
    assert org.phone == "029 2012 3456"


# --- where a provider finds it -------------------------------------------------------------------------------


def test_the_dashboard_shows_the_providers_organisation_and_links_to_change_it(client, provider, other_provider, org):
    client.force_login(provider)
    html = client.get(reverse("listings:dashboard")).content.decode()
    assert "Your organisation" in html and "01000 111111" in html
    assert f'href="{_url(org)}"' in html
    assert "Other organisation" not in html


def test_a_provider_with_many_services_finds_it_under_the_list_of_them_too(client, provider, org, service, monkeypatch):
    from directory.listings import views

    monkeypatch.setattr(views, "FULL_DASHBOARD_MAX", 0)  # the compact list (views._service_overview)
    client.force_login(provider)
    response = client.get(reverse("listings:dashboard"))
    assert "listings/service_overview.html" in [t.name for t in response.templates]
    assert f'href="{_url(org)}"' in response.content.decode()


def test_the_service_edit_page_links_to_its_organisations_details_for_a_moderator_too(client, moderator, service):
    client.force_login(moderator)
    html = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    assert f'href="{_url(service.organisation)}"' in html


def test_the_page_is_in_welsh_under_cy(client, provider, org):
    client.force_login(provider)
    html = client.get("/cy" + _url(org)).content.decode()
    for english in ("Contact details", "Phone number", "Description (Welsh, optional)", "Save and publish"):
        assert english not in html, english
    assert "Manylion cyswllt" in html
