from __future__ import annotations

from django.urls import path

from gaps import views

app_name = "gaps"
urlpatterns = [
    path("", views.index, name="index"),
    path("data.csv", views.data_csv, name="data_csv"),
    path("headlines/", views.headlines, name="headlines"),
    path("headlines/data.csv", views.headlines_csv, name="headlines_csv"),
    path("area/<str:code>/", views.area, name="area"),
    path("unmet/", views.unmet_page, name="unmet"),
    path("unmet/data.csv", views.unmet_csv, name="unmet_csv"),
    path("trends/", views.trends, name="trends"),
    path("trends/data.csv", views.trends_csv, name="trends_csv"),
]
