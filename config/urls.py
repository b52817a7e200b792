from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotations import token_views
from annotations import views as annotations_views
from annotations.api.views import ApiDocsView, SchemaView
from config.views import favicon, healthz

# Swagger UI under the Content-Security-Policy: the split view serves its start-up script as a
# file (?script) instead of inline, templates/api/docs.html drops the inline <style>, and this
# one page may show data: images (Swagger UI's icons are SVG data URLs). Nothing else relaxed.
api_docs = csp_update({"img-src": ["data:"]})(
    ApiDocsView.as_view(url_name="api-schema", template_name="api/docs.html"))

# The admin names the desk, not Django ("Django administration" is the default header).
admin.site.site_header = "Claimdesk administration"
admin.site.site_title = "Claimdesk admin"

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/", include("annotations.api.urls")),
    path("account/tokens/", token_views.account_tokens, name="account-tokens"),
    path("", annotations_views.home, name="home"),
    path("", include("claims.urls")),
    path("", include("annotations.urls")),
]

handler400 = "config.views.bad_request"
handler404 = "config.views.page_not_found"  # JSON under /api/
handler500 = "config.views.server_error"  # 503 when the database is unavailable
# 403 is Django's own handler with templates/403.html (403_csrf.html for a failed CSRF check).
