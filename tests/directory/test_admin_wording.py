"""What the admin says in its own words, in English and in Welsh: the product's name, the hint on
an account's password page, django-axes' name and column."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.apps import apps

from tests.directory.test_admin_in_welsh import visible_text
from tests.factories import UserFactory

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
