from __future__ import annotations

from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("shortlist/", views.shortlist, name="shortlist"),
    path("about-the-data/", views.about_data, name="about_data"),
]
