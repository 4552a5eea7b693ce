from __future__ import annotations

from django.urls import path

from directory import bulk_update_views, views

app_name = "directory"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("shortlist/", views.shortlist, name="shortlist"),
    path("about-the-data/", views.about_data, name="about_data"),
    path("moderation/waits/", bulk_update_views.bulk_update_page, name="bulk_update"),
    path("moderation/waits.csv", bulk_update_views.bulk_update_csv, name="bulk_update_csv"),
]
