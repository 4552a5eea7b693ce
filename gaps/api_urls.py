"""The gaps JSON API, outside the language prefix (`/api/gaps/`)."""

from __future__ import annotations

from django.urls import path

from gaps import api

app_name = "gaps_api"
urlpatterns = [
    path("", api.GapsView.as_view(), name="gaps"),
]
