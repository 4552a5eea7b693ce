"""Property-based tests (hypothesis) of what test_every_public_page_properties.py does not send.

That test sends text, percent-encoded as UTF-8, and a POST only to GET pages. Here:

- raw addresses: any bytes percent-encoded (not UTF-8, NUL, a lone "%"), keys repeated, huge page
  numbers, with GET, HEAD and OPTIONS, to the pages that read their address, public and staff. None
  answers with a server error, and no HTML page holds a control character (an address holding one
  is sent on to the same address without it: directory/control_characters.py);
- forms: any fields, any bytes, posted to every form open to the public (shortlist, problem report,
  sign-in, password reset, invitation, new password) and to the staff's (wait, confirm, invite,
  account settings, locations, edit): never a server error.

Bounded: a few examples per address, so the whole file takes well under a minute.
"""

from __future__ import annotations

import re
from urllib.parse import quote_from_bytes

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.accounts.services import invitation_create, invitation_token
from directory.models import Organisation, Service
from tests.factories import UserFactory

FUZZ = settings(max_examples=8, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# A value as it arrives in an address or a form body: any bytes, percent-encoded, or odd ones seen in logs.
RAW = st.binary(max_size=24).map(lambda b: quote_from_bytes(b, safe="")) | st.sampled_from([
    "%00", "%ff%fe", "%C0%80", "%ED%A0%80", "%", "%zz", "%1B%5B31m", "99999999999999999999", "-1", "0", "1e309",
    "a" * 3000, "W06000015", "2026-Q1", "intra_familial", "health_board", "-name", "/manage/", "//evil.example/",
    "00000000-0000-0000-0000-000000000000",
])
NAMES = st.sampled_from([
    "page", "q", "show", "ids", "letter", "layer", "age", "basis", "need", "view", "sort", "region", "quarter",
    "then", "now", "next", "from", "postcode", "la", "per_page", "format", "search", "modified_after",
]) | RAW


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{name}={value}" for name, value in pairs)


def _assert_answered(response, what) -> None:
    assert response.status_code < 500, what
    if response.status_code != 302 and response.get("Content-Type", "").startswith("text/html"):
        assert not _CONTROL.search(response.content.decode("utf-8", "replace")), what


@pytest.fixture
def ids(sample_directory, db) -> dict[str, str]:
    return {"service": str(Service.objects.published().values_list("public_id", flat=True).first()),
            "organisation": str(Organisation.objects.values_list("public_id", flat=True).first())}


PUBLIC_PAGES = [
    "/search/", "/services/", "/shortlist/", "/services/{service}/", "/services/{service}/report/",
    "/gaps/", "/gaps/data.csv", "/gaps/headlines/", "/gaps/headlines/data.csv", "/gaps/unmet/",
    "/gaps/unmet/data.csv", "/gaps/trends/", "/gaps/trends/data.csv", "/cy/gaps/trends/",
    "/accounts/login/", "/accounts/password-reset/", "/api/oruk/services", "/api/oruk/taxonomy_terms", "/api/gaps/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
@FUZZ
@given(method=st.sampled_from(["GET", "GET", "HEAD", "OPTIONS"]),
       pairs=st.lists(st.tuples(NAMES, RAW), min_size=1, max_size=5))
def test_every_public_page_answers_any_raw_address_without_a_server_error_or_a_control_character(
        client, ids, path, method, pairs):
    url = f"{path.format(**ids)}?{_query(pairs)}"
    response = client.generic(method, url)
    _assert_answered(response, (method, url))
    if response.status_code == 302 and response["Location"].startswith(path.format(**ids)):
        _assert_answered(client.get(response["Location"]), (method, url, response["Location"]))


STAFF_PAGES = [
    "/manage/", "/moderation/", "/manage/services/{service}/wait/", "/manage/services/{service}/edit/",
    "/manage/services/{service}/history/", "/manage/services/{service}/locations/", "/accounts/invite/",
    "/accounts/settings/", "/moderation/waits/", "/moderation/waits/confirm/", "/moderation/waits.csv",
    "/manage/organisations/{organisation}/contact/",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
@FUZZ
@given(pairs=st.lists(st.tuples(NAMES, RAW), min_size=1, max_size=5))
def test_every_staff_page_answers_any_raw_address_without_a_server_error_or_a_control_character(
        moderator_client, ids, path, pairs):
    url = f"{path.format(**ids)}?{_query(pairs)}"
    response = moderator_client.get(url)
    _assert_answered(response, url)
    if response.status_code == 302 and response["Location"].startswith(path.format(**ids)):
        _assert_answered(moderator_client.get(response["Location"]), (url, response["Location"]))


# Each form's own fields, and junk ones: the test client does not check CSRF, so each body reaches the view.
PUBLIC_FORMS = {
    "/shortlist/add/": ["service", "next"],
    "/shortlist/remove/": ["service", "next"],
    "/shortlist/load/": ["ids"],
    "/shortlist/clear/": [],
    "/services/{service}/report/": ["reason", "comment"],
    "/accounts/login/": ["username", "password", "next"],
    "/accounts/password-reset/": ["email"],
    "/accounts/invitation/{token}/": ["password1", "password2", "language"],
    "/accounts/password-reset/{uid}/set-password/": ["new_password1", "new_password2"],
}
STAFF_FORMS = {
    "/manage/services/{service}/wait/": ["weeks", "referrals_open", "next"],
    "/manage/services/{service}/confirm/": [],
    "/manage/services/{service}/locations/add/": ["name", "address", "city", "county", "postcode",
                                                   "do_not_publish_address"],
    "/manage/services/{service}/edit/": ["name", "description", "age_min", "age_max", "version", "status"],
    "/manage/organisations/{organisation}/contact/": ["phone", "email", "website", "description_en", "description_cy",
                                                      "opened_version"],
    "/accounts/invite/": ["email", "organisation", "new_organisation", "language"],
    "/accounts/settings/": ["language"],
}


def _body(names: list[str], data) -> str:
    pairs = [(name, data.draw(RAW)) for name in names if data.draw(st.booleans())]
    return _query(pairs + data.draw(st.lists(st.tuples(NAMES, RAW), max_size=3)))


@pytest.fixture
def links(ids) -> dict[str, str]:
    user = UserFactory(username="reset@example.org", email="reset@example.org")
    invitation = invitation_create(email="new@example.org", organisation=Organisation.objects.first(), invited_by=user)
    return {**ids, "token": invitation_token(invitation),
            # The reset view moves the token into the session and redirects to "set-password".
            "uid": urlsafe_base64_encode(force_bytes(user.pk)), "reset_token": default_token_generator.make_token(user)}


@pytest.mark.parametrize("path", sorted(PUBLIC_FORMS))
@FUZZ
@given(data=st.data())
def test_every_public_form_answers_any_body_without_a_server_error(client, links, path, data):
    url = path.format(**links)
    if "set-password" in url:  # the emailed link puts its token in the session, then shows the form here
        client.get(url.replace("set-password", links["reset_token"]))
    body = _body(PUBLIC_FORMS[path], data)
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, (url, body)


@pytest.mark.parametrize("path", sorted(STAFF_FORMS))
@FUZZ
@given(data=st.data())
def test_every_staff_form_answers_any_body_without_a_server_error(moderator_client, ids, path, data):
    url = path.format(**ids)
    body = _body(STAFF_FORMS[path], data)
    response = moderator_client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, (url, body)

