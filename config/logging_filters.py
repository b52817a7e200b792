"""Filters for the LOGGING setting (config/settings/base.py)."""

import logging

from django.core.exceptions import PermissionDenied


class PermissionDeniedInOneLine(logging.Filter):
    """A 403 for a user who lacks the role (annotations.access refusing a reviewer /lead/, say)
    is an expected event, not a fault: Django logs it with the PermissionDenied's traceback,
    which says nothing the path and the reason do not. The record keeps its level (WARNING)
    and gets the reason on its one line instead. The access decision is not touched."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info[1], PermissionDenied):
            reason = str(exc_info[1])
            message = record.getMessage()
            record.msg = f"{message} ({reason})" if reason else message
            record.args = ()
            record.exc_info = record.exc_text = None
        return True
