from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/home.html")


def search(request: HttpRequest) -> HttpResponse:
    # Placeholder until the search page lands (issue 3).
    return render(request, "directory/home.html")


def shortlist(request: HttpRequest) -> HttpResponse:
    # Placeholder until the shortlist lands (issue 3).
    return render(request, "directory/home.html")


def about_data(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/about_data.html")
