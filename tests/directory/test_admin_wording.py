"""What the admin says in its own words, in English and in Welsh: the product's name, the hint on
an account's password page, django-axes' name and column, the rows a delete confirmation lists,
a version's change reason and what a broken constraint means."""

from __future__ import annotations

import re
import uuid

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from directory.models import Area, ServiceRendering, Taxonomy, TaxonomyTerm
from tests.directory.test_admin_in_welsh import visible_text
from tests.factories import AreaFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

PREFIX = {"en": "", "cy": "/cy"}


@pytest.fixture
def superuser(client):
    user = UserFactory(username="mod@example.org", email="mod@example.org", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _page(client, language: str, path: str) -> str:
    response = client.get(PREFIX[language] + path)
    assert response.status_code == 200
    return response.content.decode()


# --- the product's name ----------------------------------------------------------------------


@pytest.mark.parametrize(("language", "header", "title", "heading"), [
    ("en", "servicemap administration", "servicemap site admin", "servicemap records"),
    ("cy", "Gweinyddu servicemap", "Gweinyddu safle servicemap", "Cofnodion servicemap"),
])
def test_the_admin_names_the_product_not_django(client, superuser, language, header, title, heading):
    page = _page(client, language, "/admin/")
    assert re.search(rf'<div id="site-name"><a href="[^"]*">{header}</a>', page)
    assert re.search(rf"<title>{heading} \| {title}</title>", page)
    assert f"<h1>{heading}</h1>" in page
    assert "Django" not in visible_text(page)  # the header and the tab's title named the framework


# --- an account's password page --------------------------------------------------------------


@pytest.mark.parametrize(("language", "hint", "warning"), [
    ("en", "Whether the user will be able to authenticate using a password or not.",
     "If disabled, the current password for this user will be lost."),
    ("cy", "A fydd y defnyddiwr yn gallu dilysu gyda chyfrinair ai peidio.",
     "Os caiff ei analluogi, bydd cyfrinair presennol y defnyddiwr hwn yn cael ei golli."),
])
def test_an_accounts_password_page_gives_its_hint_in_the_pages_language(client, superuser, language, hint, warning):
    page = _page(client, language, f"/admin/auth/user/{superuser.pk}/password/")
    # Django's script shows the warning when "Disabled" is chosen: its list keeps its id.
    assert f'{hint}' in page
    assert f'<ul id="id_unusable_warning" class="messagelist"><li class="warning">{warning}</li></ul>' in page
    if language == "cy":
        assert "Whether the user" not in page and "current password for this user" not in page


def test_the_password_page_still_sets_a_password_or_none(client, superuser):
    other = UserFactory(username="someone@example.org")
    new = "a-new-long-password-for-them"
    response = client.post(f"/cy/admin/auth/user/{other.pk}/password/",
                           {"usable_password": "true", "password1": new, "password2": new})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.check_password(new)
    response = client.post(f"/admin/auth/user/{other.pk}/password/", {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    other.refresh_from_db()
    assert not other.has_usable_password()


# --- django-axes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "name", "column"), [("en", "Sign-in security", "Status"),
                                                          ("cy", "Diogelwch mewngofnodi", "Statws")])
def test_django_axes_is_named_and_its_status_column_too_in_the_pages_language(client, superuser, language, name,
                                                                               column):
    AccessAttempt.objects.create(user_agent="Firefox", ip_address="127.0.0.1", username="someone@example.org",
                                 http_accept="*/*", path_info="/accounts/login/", get_data="", post_data="",
                                 failures_since_start=2)
    index = _page(client, language, "/admin/")
    assert re.search(rf'<caption>\s*<a href="[^"]*/admin/axes/"[^>]*>{name}</a>', index)
    assert ">Axes<" not in index
    attempts = _page(client, language, "/admin/axes/accessattempt/")
    assert re.search(rf'<th scope="col" class="column-status">\s*<div class="text"><span>{column}</span>', attempts)
    assert re.search(r"<td class=\"field-status\">3 ", attempts)  # the column still says how many tries are left


def test_django_axes_keeps_its_label_and_tables():
    config = apps.get_app_config("axes")
    assert (config.name, config.label, AccessAttempt._meta.db_table) == ("axes", "axes", "axes_accessattempt")


# --- a delete confirmation's rows --------------------------------------------------------------


@pytest.fixture
def listed_service(wales_areas):
    service = ServiceFactory(name="Harbour Recovery", coverage=[wales_areas["W06000015"]])
    term = TaxonomyTerm.objects.create(name="Counselling", taxonomy=Taxonomy.objects.create(name="Needs"))
    service.taxonomy_terms.add(term)
    for language in ("en", "cy"):
        ServiceRendering.objects.create(service=service, kind="oruk-full", language=language, token=uuid.uuid4(),
                                        stamp="x", text="{}")
    return service


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["Referral areas: 1", "Referral area: Harbour Recovery takes referrals from Cardiff",
            "Taxonomy terms of services: 1", "Taxonomy term of a service: Harbour Recovery: Counselling",
            "Saved copies of what the public sees: 2",
            "Saved copy of what the public sees: Open Referral record (English)",
            "Saved copy of what the public sees: Open Referral record (Welsh)"]),
    ("cy", ["Ardaloedd atgyfeirio: 1", "Ardal atgyfeirio: Mae Harbour Recovery yn derbyn atgyfeiriadau o ardal Cardiff",
            "Termau tacsonomeg gwasanaethau: 1", "Term tacsonomeg gwasanaeth: Harbour Recovery: Counselling",
            "Copïau wedi'u cadw o'r hyn y mae'r cyhoedd yn ei weld: 2",
            "Copi wedi'i gadw o'r hyn y mae'r cyhoedd yn ei weld: Cofnod Open Referral (Saesneg)",
            "Copi wedi'i gadw o'r hyn y mae'r cyhoedd yn ei weld: Cofnod Open Referral (Cymraeg)"]),
])
def test_a_services_delete_confirmation_names_its_links_and_saved_copies(client, superuser, listed_service,
                                                                          language, expected):
    text = visible_text(_page(client, language, f"/admin/directory/service/{listed_service.pk}/delete/"))
    assert [line for line in expected if line not in text] == []
    # Django's names for the link rows, and the old English ones.
    assert not re.search(r"relationship|object \(\d+\)|[Ss]ervice rendering|oruk-full", text)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Membership of a larger area: Cardiff is part of Wales"),
    ("cy", "Aelodaeth o ardal fwy: Mae Cardiff yn rhan o ardal Wales"),
])
def test_an_areas_delete_confirmation_names_the_larger_areas_it_is_in(client, superuser, language, expected):
    wales = AreaFactory(code="W92000004", name="Wales", kind=Area.Kind.NATION)
    cardiff = AreaFactory(code="W06000015", name="Cardiff")
    cardiff.parents.add(wales)
    text = visible_text(_page(client, language, f"/admin/directory/area/{cardiff.pk}/delete/"))
    assert expected in text
    assert not re.search(r"relationship|object \(\d+\)", text)


# --- the history's change reasons ----------------------------------------------------------------


def _reason_cells(page: str) -> list[str]:
    # The change reason is the fifth of the list's columns (Object, Date/time, Comment, Changed by, reason).
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('<table id="change-history"')[1], re.S)[1:]
    return [re.sub(r"\s+", " ", re.findall(r"<td>(.*?)</td>", row, re.S)[4]).strip() for row in rows]


@pytest.mark.parametrize(("language", "reason"), [("en", "CSV bulk update"), ("cy", "Diweddariad swmp CSV")])
def test_the_history_shows_a_dash_where_no_reason_was_given_and_our_reasons_in_the_pages_language(
        client, superuser, language, reason):
    service = ServiceFactory(name="Harbour Recovery")  # created with no reason
    service.name = "Harbour Recovery Service"
    service._change_reason = "CSV bulk update"  # as directory/bulk_update.py writes it
    service.save()
    assert _reason_cells(_page(client, language, f"/admin/directory/service/{service.pk}/history/")) == [reason, "—"]


def test_a_past_versions_page_still_opens(client, superuser):
    service = ServiceFactory()
    assert _page(client, "cy", f"/admin/directory/service/{service.pk}/history/{service.history.get().history_id}/")


# --- constraints' messages ---------------------------------------------------------------------


def _our_constraints():
    """Every constraint of ours whose failure Django words with the constraint's name: checks, and
    unique constraints with a condition (without one, Django says which fields' values are taken)."""
    found = []
    for app in ("directory", "accounts", "listings", "gaps"):
        for model in apps.get_app_config(app).get_models():
            for constraint in model._meta.constraints:
                named = isinstance(constraint, models.CheckConstraint) or (
                    isinstance(constraint, models.UniqueConstraint) and constraint.condition is not None)
                if named:
                    found.append(pytest.param(constraint, id=f"{model._meta.label}.{constraint.name}"))
    return found


def test_the_constraint_finder_finds_ours():
    names = {param.values[0].name for param in _our_constraints()}
    assert {"service_age_min_lte_max", "service_change_one_pending", "unmet_search_count_not_negative"} <= names


@pytest.mark.parametrize("constraint", _our_constraints())
def test_every_constraint_says_what_is_wrong_in_words_in_both_languages(constraint):
    with translation.override("en"):
        english = constraint.get_violation_error_message()
    with translation.override("cy"):
        welsh = constraint.get_violation_error_message()
    for message in (english, welsh):
        assert constraint.name not in message and "“" not in message, message
    assert english != welsh, f"no Welsh for {english!r}"


@pytest.mark.parametrize(("language", "message"), [
    ("en", "The youngest age must not be more than the oldest age."),
    ("cy", "Ni ddylai'r oedran ieuengaf fod yn fwy na'r oedran hynaf."),
])
def test_a_service_whose_ages_are_the_wrong_way_round_is_told_so(language, message):
    service = ServiceFactory.build(age_min=12, age_max=5)
    with translation.override(language), pytest.raises(ValidationError) as raised:
        service.validate_constraints()
    assert raised.value.messages == [message]
