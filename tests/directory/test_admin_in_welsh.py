"""The Welsh admin reads in Welsh: the strings of Django's admin, django-axes and
django-simple-history that their own Welsh catalogues leave in English have Welsh in
locale_upstream/ (tests/servicemap/test_i18n.py checks that catalogue)."""

from __future__ import annotations

import html
import json
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group

from tests.factories import ServiceFactory, UserFactory, WaitingTimeReportFactory

pytestmark = pytest.mark.django_db

# English that Django's and the packages' Welsh catalogues left on these pages.
ENGLISH = [
    # every page: the header, the sidebar, the index ("Django" and "Axes": the defaults' names for them)
    "Django", "Axes", "View site", "Toggle theme", "Breadcrumbs", "Sidebar", "Toggle navigation", "Start typing to filter",
    "Filter navigation items", "Model name", "Add link", "Change or view list link", "Recent actions", "My actions",
    # lists: filters, actions, read-only models
    "Show counts", "Clear all filters", "Select all objects on this page", "for an action", "to view", "Has date",
    "No date", " By ",
    # change forms, their errors and messages
    "Add another", "Change selected", "Delete selected", "View selected", "Hold down", "Please correct the error",
    "was changed successfully", "was added successfully", "Perhaps it was deleted", "is violated",
    # delete confirmation (Django's names for the coverage's link rows)
    "relationship", "object (", "Are you sure you want to delete", "Summary", "Objects", "Yes, I’m sure", "No, take me back",
    # history
    "change history", "Choose a date from the list below", "Changed by", "Change reason", "entries", "Revert",
    # accounts and passwords
    "Raw passwords are not stored", "Whether the user will be able", "current password for this user will be lost", "Reset password", "Required. 150 characters", "The groups this user belongs to",
    "Enter the same password as before", "didn’t match", "Password-based authentication", "Your password can’t",
    "Your password must contain", "Please enter your old password", "After you’ve created a user",
    # django-axes
    "access attempt", "access failure", "access log", "Attempt Time", "IP Address", "User Agent", "Username",
    "Failed Logins", "Status", "Locked Out", "Form Data", "Meta Data", "Logout Time", "Access lock out",
]


def visible_text(page: str) -> str:
    """What a person reads or hears: the text, and the attributes screen readers announce. Less the
    permissions list: a permission's name ("Can add service") is a row written at migrate time, in
    English, for our models as for every other; no catalogue has it."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<select name="user_permissions".*?</select>', " ", page, flags=re.S)
    spoken = re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', page)
    spoken += re.findall(r'<input type="submit" value="([^"]*)"', page)  # a button's words
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page) + " " + " ".join(spoken)))


def english_on(text: str) -> list[str]:
    return [fragment for fragment in ENGLISH if fragment in text]


def test_the_checker_finds_english_in_text_and_spoken_attributes():
    assert english_on(visible_text('<a href="/" title="View site">Gweld</a><p>3 entries</p>')) == ["View site", "entries"]
    assert english_on(visible_text('<input type="submit" value="Yes, I’m sure">')) == ["Yes, I’m sure"]
    assert english_on(visible_text("<script>'View site'</script><p>Gweld y wefan</p>")) == []


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="mod@example.org", email="mod@example.org", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client, user


@pytest.fixture
def records(wales_areas):
    service = ServiceFactory(name="Harbour Recovery", coverage=[wales_areas["W06000015"]])
    service.name = "Harbour Recovery Service"
    service.save()  # a second history row
    WaitingTimeReportFactory(service=service, weeks=9)
    sign_in = {"user_agent": "Firefox", "ip_address": "127.0.0.1", "username": "someone@example.org",
               "http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**sign_in, get_data="", post_data="", failures_since_start=5)
    AccessLog.objects.create(**sign_in)
    AccessFailureLog.objects.create(**sign_in, locked_out=True)
    return {"service": service, "area": wales_areas["W06000015"], "history": service.history.earliest()}


def _welsh_pages(client, user, records):
    service, area = records["service"], records["area"]
    get = {
        "index": "/cy/admin/",
        "list, filtered and searched": "/cy/admin/directory/service/?status__exact=active&q=Harbour",
        "read-only list": "/cy/admin/gaps/snapshot/",
        "service": f"/cy/admin/directory/service/{service.pk}/change/",
        "area (a two-list chooser)": f"/cy/admin/directory/area/{area.pk}/change/",
        "delete confirmation": f"/cy/admin/directory/service/{service.pk}/delete/",
        "service history": f"/cy/admin/directory/service/{service.pk}/history/",
        "a past version": f"/cy/admin/directory/service/{service.pk}/history/{records['history'].history_id}/",
        "area history (none)": f"/cy/admin/directory/area/{area.pk}/history/",
        "a record that is gone": "/cy/admin/directory/service/999999/change/",
        "account": f"/cy/admin/auth/user/{user.pk}/change/",
        "new account": "/cy/admin/auth/user/add/",
        "account password": f"/cy/admin/auth/user/{user.pk}/password/",
        "password change": "/cy/admin/password_change/",
        "sign-in attempts": "/cy/admin/axes/accessattempt/?locked_out=yes",
        "sign-in attempt": f"/cy/admin/axes/accessattempt/{AccessAttempt.objects.get().pk}/change/",
        "sign-ins": "/cy/admin/axes/accesslog/",
        "wrong passwords": "/cy/admin/axes/accessfailurelog/",
    }
    pages = {name: client.get(path, follow=True) for name, path in get.items()}
    pages["password change with errors"] = client.post(
        "/cy/admin/password_change/", {"old_password": "wrong", "new_password1": "a", "new_password2": "b"})
    pages["account password with errors"] = client.post(
        f"/cy/admin/auth/user/{user.pk}/password/", {"usable_password": "true", "password1": "1", "password2": "2"})
    # The youngest age above the oldest breaks a constraint; the other fields as the form has them.
    form = pages["service"].context["adminform"].form
    data = {**{name: value for name, value in form.initial.items() if value is not None}, "age_min": 12, "age_max": 5}
    data.update(_inline_management_data(pages["service"]))
    data["organisation"] = service.organisation_id
    pages["service with errors"] = client.post(get["service"], data)
    pages["delete several"] = client.post(
        "/cy/admin/directory/service/", {"action": "delete_selected", "_selected_action": [service.pk]})
    pages["after a save"] = client.post("/cy/admin/auth/group/add/", {"name": "Editors"}, follow=True)
    return pages


def _inline_management_data(response) -> dict[str, object]:
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data


def test_the_welsh_admin_pages_have_no_english_left_from_django_or_the_packages(superuser_client, records):
    client, user = superuser_client
    pages = _welsh_pages(client, user, records)
    assert all(response.status_code == 200 for response in pages.values()), {
        name: response.status_code for name, response in pages.items() if response.status_code != 200}
    # The pages are the ones meant: the errors, the confirmation and the message are there.
    assert "errornote" in pages["service with errors"].content.decode()
    assert "errornote" in pages["password change with errors"].content.decode()
    assert 'name="post" value="yes"' in pages["delete several"].content.decode()
    assert Group.objects.filter(name="Editors").exists()
    english = {name: english_on(visible_text(response.content.decode())) for name, response in pages.items()}
    assert not any(english.values()), {name: found for name, found in english.items() if found}


def test_the_welsh_admin_says_what_it_shows_in_welsh(superuser_client, records):
    client, user = superuser_client
    pages = {name: visible_text(response.content.decode())
             for name, response in _welsh_pages(client, user, records).items()}
    assert "Gweld y wefan" in pages["index"] and "Gweithredoedd diweddar" in pages["index"]
    assert "Yn ôl statws" in pages["list, filtered and searched"]  # "Wrth statws": "wrth" is "beside"
    assert "Clirio pob hidl" in pages["list, filtered and searched"]
    assert re.search(r"Cywirwch y gwall(au)? isod\.", pages["service with errors"])
    # What is wrong, in words (Django's message named the constraint: "service_age_min_lte_max").
    assert "Ni ddylai'r oedran ieuengaf fod yn fwy na'r oedran hynaf." in pages["service with errors"]
    assert "Ydw, rwy’n siŵr" in pages["delete confirmation"]
    assert re.search(r"Ydych chi’n siŵr eich bod am ddileu’r gwasanaeth “Harbour Recovery Service”\?",
                     pages["delete confirmation"])
    assert re.search(r"\b[23] cofnod\b", pages["service history"])
    assert re.search(r"Ychwanegwyd grŵp “\s*Editors\s*”\.", pages["after a save"])  # the name is a link
    assert "1 ymgais i fewngofnodi" in pages["sign-in attempts"] and "Yn ôl Wedi’i gloi allan" in pages["sign-in attempts"]


def _js_catalogue(client, language: str) -> dict[str, object]:
    source = client.get(f"/{language}/admin/jsi18n/" if language != "en" else "/admin/jsi18n/").content.decode()
    catalogue = re.search(r"const newcatalog = (\{.*?\});\n", source, re.S)  # left out when empty
    return json.loads(catalogue.group(1)) if catalogue else {}


def test_the_admins_scripts_have_welsh_for_the_two_list_chooser_and_the_calendar(superuser_client):
    client, _user = superuser_client
    catalogue = _js_catalogue(client, "cy")
    assert catalogue["Choose all %s"] == "Dewis pob un o’r %s"
    assert catalogue["Chosen %s"] == "%s a ddewiswyd"
    assert catalogue["January"] == "Ionawr" and catalogue["abbrev. month January\x04Jan"] == "Ion"
    assert catalogue["one letter Monday\x04M"] == "Ll"
    assert catalogue["%s selected option not visible"] == ["%s opsiwn a ddewiswyd o’r golwg"] * 4
    # English pages have no catalogue to speak of: the scripts' own English.
    assert "Choose all %s" not in _js_catalogue(client, "en")
