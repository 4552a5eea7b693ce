"""/api/oruk/: ORUK paths have no trailing slash; one is accepted too."""

from __future__ import annotations

from django.urls import re_path

from directory.oruk import api

app_name = "oruk"
_ID = r"(?P<{}>[^/]+)/?$"

urlpatterns = [
    re_path(r"^$", api.ApiRootView.as_view(), name="root"),
    re_path(r"^services/?$", api.ServiceListView.as_view(), name="service-list"),
    re_path(r"^services/" + _ID.format("service_id"), api.ServiceDetailView.as_view(), name="service-detail"),
    re_path(r"^organizations/?$", api.OrganizationListView.as_view(), name="organization-list"),
    re_path(
        r"^organizations/" + _ID.format("organization_id"), api.OrganizationDetailView.as_view(),
        name="organization-detail",
    ),
    re_path(r"^service_at_locations/?$", api.ServiceAtLocationListView.as_view(), name="service-at-location-list"),
    re_path(
        r"^service_at_locations/" + _ID.format("link_id"), api.ServiceAtLocationDetailView.as_view(),
        name="service-at-location-detail",
    ),
    re_path(r"^taxonomies/?$", api.TaxonomyListView.as_view(), name="taxonomy-list"),
    re_path(r"^taxonomies/" + _ID.format("taxonomy_id"), api.TaxonomyDetailView.as_view(), name="taxonomy-detail"),
    re_path(r"^taxonomy_terms/?$", api.TaxonomyTermListView.as_view(), name="taxonomy-term-list"),
    re_path(
        r"^taxonomy_terms/" + _ID.format("term_id"), api.TaxonomyTermDetailView.as_view(), name="taxonomy-term-detail"
    ),
    re_path(r"^(?P<path>.*)$", api.NotFoundView.as_view(), name="not-found"),
]
