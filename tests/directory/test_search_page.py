"""The search page around its results, from pieces rendered once: byte for byte what rendering
search.html gives, in every state the pieces are built for, and the full render where they do not
apply (messages, a signed-in provider)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages import success as message_success
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.shortcuts import render
from django.template import Template
from django.utils import translation
from django.utils.safestring import mark_safe

from directory import search_page, template_pieces
from directory.context_processors import SAMPLE_CACHE_KEY

# As search_cache.fill gives them: UTF-8, here with Welsh and typographic characters.
RESULTS = '<div class="results">2 services found – Môn <a href="?page=2&amp;x=1">next</a></div>\n'.encode()
QUERIES = ["postcode=CF10+1EP&age=9&abuse_form=cse&abuse_form=online", "la=W06000015&odd=%3Cb%3E%22x%22%26%27",
           "a=1%23b&c=caf%C3%A9", ""]


def _request(rf, path: str, query: str):
    request = rf.get(f"{path}?{query}" if query else path)
    request.session = SessionStore()
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)
    request.csp_nonce = "n+/=&<1"  # escaped where the template prints it
    return request


def _full(request, title: str) -> bytes:
    context = {"shortlisted": set(), "search_title": title, "results_html": mark_safe(RESULTS.decode())}
    return render(request, search_page.TEMPLATE, context).content


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("sample_data", [True, False])
@pytest.mark.parametrize("count", [0, 3])
def test_the_page_from_pieces_is_the_rendered_page(rf, db, monkeypatch, language, sample_data, count):
    path = "/cy/search/" if language == "cy" else "/search/"
    cache.set(SAMPLE_CACHE_KEY, sample_data)
    with translation.override(language):
        for query in QUERIES:
            for title in ["Cardiff", "Ynys Môn & <Anglesey>"]:
                request = _request(rf, path, query)
                request.session["shortlist"] = [f"00000000-0000-0000-0000-00000000000{i}" for i in range(count)]
                expected = _full(request, title)
                with monkeypatch.context() as patched:
                    patched.setattr(search_page, "render", None)  # no full render on this path
                    response = search_page.render_search(
                        request, results_html=RESULTS, title=title, shortlisted=set(),
                        shortlist_count=count,
                    )
                assert response.status_code == 200
                assert response["Content-Type"] == "text/html; charset=utf-8"
                assert response.content == expected


def _with_message(rf):
    request = _request(rf, "/search/", QUERIES[0])
    message_success(request, "Service <one> is on your shortlist.")
    return request


def test_messages_are_shown_once_by_a_full_render(rf, db):
    request = _with_message(rf)

    response = search_page.render_search(
        request, results_html=RESULTS, title="Cardiff", shortlisted=set(), shortlist_count=1,
    )

    assert response.content == _full(_with_message(rf), "Cardiff")
    assert b"Service &lt;one&gt; is on your shortlist." in response.content
    assert get_messages(request).used  # so the message middleware clears it


def test_a_signed_in_provider_gets_their_menu(rf, django_user_model):
    request = _request(rf, "/search/", QUERIES[0])
    request.user = django_user_model.objects.create_user(username="p@example.org", password="x" * 12)

    response = search_page.render_search(
        request, results_html=RESULTS, title="Cardiff", shortlisted=set(), shortlist_count=0,
    )

    # Its sign-out form's CSRF token is masked afresh by each render.
    assert _unmasked(response.content) == _unmasked(_full(request, "Cardiff"))
    assert "Sign out" in response.content.decode()


def _unmasked(page: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page)


def test_a_reloaded_template_builds_new_pieces(rf, db):
    request = _request(rf, "/search/", QUERIES[0])
    search_page.render_search(request, results_html=RESULTS, title="Cardiff", shortlisted=set(),
                              shortlist_count=0)
    # Pieces from another template object (before DEBUG's autoreload read the file again) are not used.
    for key, frame in template_pieces._built.items():
        template_pieces._built[key] = dataclasses.replace(frame, template=Template(""), pieces=("stale",))

    response = search_page.render_search(
        request, results_html=RESULTS, title="Cardiff", shortlisted=set(), shortlist_count=0,
    )

    assert response.content == _full(request, "Cardiff")
