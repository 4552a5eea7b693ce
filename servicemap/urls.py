from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from directory import views as directory_views
from directory.oruk.api import DocsView, SchemaView
from gaps import views as gaps_views
from servicemap import admin_sign_in, policy_pages, site_files

admin.site.login = admin_sign_in.sign_in  # one sign-in page, with its limits (why: there)
# The admin names the product (Django's defaults said "Django administration" in the header and the tab).
admin.site.site_header = _("servicemap administration")
admin.site.site_title = _("servicemap site admin")
admin.site.index_title = _("servicemap records")

urlpatterns = [
    path("robots.txt", site_files.robots_txt, name="robots_txt"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    # The maps' local authority shapes, named by their digest: the same in every language.
    re_path(r"^maps/areas-(?P<digest>[0-9a-f]{16})\.geojson$", directory_views.area_shapes, name="area_shapes"),
    # The health boards' and safeguarding boards' outlines, for the gaps map's regional views.
    re_path(r"^maps/regions-(?P<digest>[0-9a-f]{16})\.geojson$", gaps_views.region_shapes, name="region_shapes"),
    path("api/gaps/", include("gaps.api_urls")),
    # Open Referral UK read API and its OpenAPI document: not language-prefixed.
    path("api/oruk/", include("directory.oruk.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("directory.urls")),
    path("accounts/", include("directory.accounts.urls")),
    path("", include("directory.listings.urls")),
    path("gaps/", include("gaps.urls")),
    # The pages every footer links to: cookies, privacy notice, accessibility statement.
    path("", include(([
        path("cookies/", policy_pages.cookies, name="cookies"),
        path("privacy/", policy_pages.privacy, name="privacy"),
        path("accessibility/", policy_pages.accessibility, name="accessibility"),
    ], "policies"))),
    prefix_default_language=False,
)

# The site's own error pages (servicemap/errors.py); 403 and CSRF failures use templates/403.html
# and templates/403_csrf.html through Django's own views.
handler400 = "servicemap.errors.bad_request"
handler404 = "servicemap.errors.page_not_found"
handler500 = "servicemap.errors.server_error"
