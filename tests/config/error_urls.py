"""The app's URLs plus views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a fictional bug")


urlpatterns = [
    path("test-forbidden/", forbidden),
    path("test-broken/", broken),
    *app_urlpatterns,
]
