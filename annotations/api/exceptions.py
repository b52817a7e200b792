"""The API's answers to errors DRF leaves to Django (which would answer with an HTML page)."""

from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.views import too_large_message


def exception_handler(exc, context):
    """DRF's handler, and a JSON 413 for a body found over DATA_UPLOAD_MAX_MEMORY_SIZE as it
    was read (one whose Content-Length says so is refused unread, config/uploads.py)."""
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": too_large_message(context["request"], exc)},
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return drf_exception_handler(exc, context)
