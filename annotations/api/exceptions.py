"""The API's answers to errors DRF leaves to Django (which would answer with an HTML page)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, and a JSON 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    if isinstance(exc, RequestDataTooBig):
        size = context["request"].META.get("CONTENT_LENGTH") or ""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        told = f"is {int(size):,} bytes" if size.isdigit() else "is too large"
        return Response({"detail": f"The request body {told}; the limit is {limit:,} bytes. "
                                   "Nothing was saved."},
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return drf_exception_handler(exc, context)
