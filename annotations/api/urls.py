from rest_framework.routers import DefaultRouter

from annotations.api import views

app_name = "api"


class Router(DefaultRouter):
    # One URL per resource: no ".json" twins, so each pattern has one row in the permission
    # matrix (tests/config/test_permissions.py); clients ask for formats with Accept.
    include_format_suffixes = False


router = Router()
router.register("articles", views.ArticleViewSet, basename="article")

urlpatterns = router.urls
