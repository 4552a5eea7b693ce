from __future__ import annotations

from django.urls import path

from directory import bulk_update_views, views

app_name = "directory"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/postcode-units.json", views.postcode_units, name="postcode_units"),
    path("services/", views.services_a_to_z, name="services_a_to_z"),
    path("services/<uuid:public_id>/", views.service_detail, name="service_detail"),
    path("shortlist/", views.shortlist, name="shortlist"),
    path("shortlist/add/", views.shortlist_add_view, name="shortlist_add"),
    path("shortlist/remove/", views.shortlist_remove_view, name="shortlist_remove"),
    path("shortlist/load/", views.shortlist_load_view, name="shortlist_load"),
    path("shortlist/clear/", views.shortlist_clear_view, name="shortlist_clear"),
    path("about-the-data/", views.about_data, name="about_data"),
    path("moderation/waits/", bulk_update_views.bulk_update_page, name="bulk_update"),
    path("moderation/waits/confirm/", bulk_update_views.bulk_update_confirm, name="bulk_update_confirm"),
    path("moderation/waits.csv", bulk_update_views.bulk_update_csv, name="bulk_update_csv"),
]
