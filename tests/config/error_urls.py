"""The app's URLs plus views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.urls import path

from config.urls import handler400, handler404, handler500  # noqa: F401  (the app's error handlers)
from config.urls import urlpatterns as app_urlpatterns


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a fictional bug")


def database_down(request):
    raise OperationalError("connection failed: server closed the connection unexpectedly")


def database_connection_gone(request):
    raise InterfaceError("the connection is closed")


urlpatterns = [
    path("test-forbidden/", forbidden),
    path("test-broken/", broken),
    path("test-database-down/", database_down),
    path("api/test-database-down/", database_connection_gone),
    *app_urlpatterns,
]
