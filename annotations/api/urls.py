from django.urls import re_path
from rest_framework.routers import DefaultRouter

from annotations.api import views
from annotations.api.bulk import ArticleBulkView

app_name = "api"


class Router(DefaultRouter):
    # One URL per resource: no ".json" twins, so each pattern has one row in the permission
    # matrix (tests/config/test_permissions.py); clients ask for formats with Accept.
    include_format_suffixes = False


router = Router()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("verdicts", views.VerdictViewSet, basename="verdict")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    # Ahead of the router's articles/<pk>/, which would take "bulk" for an id.
    re_path(r"^articles/bulk/?$", ArticleBulkView.as_view(), name="article-bulk"),
    *router.urls,
]
