from __future__ import annotations

from django.urls import path

from directory.listings import views

app_name = "listings"
urlpatterns = [
    path("manage/", views.dashboard, name="dashboard"),
    path("manage/organisations/<uuid:public_id>/contact/", views.organisation_contact, name="organisation_contact"),
    path("manage/services/new/", views.service_new, name="service_new"),
    path("manage/services/<uuid:public_id>/edit/", views.service_edit, name="service_edit"),
    path("manage/services/<uuid:public_id>/locations/", views.service_locations, name="locations"),
    path("manage/services/<uuid:public_id>/locations/add/", views.service_location_edit, name="location_add"),
    path("manage/services/<uuid:public_id>/locations/<uuid:key>/", views.service_location_edit, name="location_edit"),
    path(
        "manage/services/<uuid:public_id>/locations/<uuid:key>/remove/",
        views.service_location_remove, name="location_remove",
    ),
    path(
        "manage/services/<uuid:public_id>/locations/<uuid:key>/keep/",
        views.service_location_keep, name="location_keep",
    ),
    path("manage/services/<uuid:public_id>/wait/", views.wait_update, name="wait_update"),
    path("manage/services/<uuid:public_id>/confirm/", views.service_confirm, name="service_confirm"),
    path("manage/services/<uuid:public_id>/history/", views.service_history, name="history"),
    path("manage/reports/<uuid:public_id>/resolve/", views.report_resolve, name="report_resolve"),
    path("manage/reports/<uuid:public_id>/reopen/", views.report_reopen, name="report_reopen"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("moderation/changes/<int:pk>/approve/", views.change_approve, name="change_approve"),
    path("moderation/changes/<int:pk>/reject/", views.change_reject, name="change_reject"),
    path(
        "moderation/services/<uuid:public_id>/restore/<int:history_id>/",
        views.service_restore, name="service_restore",
    ),
    path("services/<uuid:public_id>/report/", views.report_problem, name="report_problem"),
    path("services/<uuid:public_id>/report/sent/", views.report_problem_sent, name="report_problem_sent"),
]
