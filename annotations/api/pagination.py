"""Cursor pagination over a stable total ordering (keyset pagination), for every API list.

DRF's CursorPagination puts only the first ordering field's value in its cursor and steps over
rows that share it with an offset (capped at 1000): with the claims' reading order (article,
position, id) that is an OFFSET as deep as the article is long, and a page boundary inside a
run of equal values depends on the offset staying right while rows change. Here the cursor
holds the value of every ordering field of the row a page stops at, and the next page is the
rows after that tuple in the ordering: no offsets, no row repeated or skipped however deep the
page, and one indexed range scan per page.

Each list names its own ordering, ending with the primary key so that it is total; the
ordering's fields must not be NULL (no list orders by a nullable field).
"""

import binascii
import json
import operator
from base64 import b64decode
from datetime import date, datetime
from functools import reduce
from urllib import parse

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination

MAX_PAGE_SIZE = 500


def _reversed(ordering: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in ordering)


def rows_after(ordering: tuple[str, ...], values: list) -> Q:
    """The rows after `values` (one per ordering field) in `ordering`: (a, b, c) > (x, y, z)
    spelled out, with a redundant bound on the first field so that an index on the ordering
    starts its scan at the cursor."""
    conditions, equal = [], Q()
    for name, value in zip(ordering, values, strict=True):
        field, lookup = name.lstrip("-"), "lt" if name.startswith("-") else "gt"
        conditions.append(equal & Q(**{f"{field}__{lookup}": value}))
        equal &= Q(**{field: value})
    first = ordering[0]
    bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return bound & reduce(operator.or_, conditions)


def _position(values: list) -> str:
    """A row's place in the ordering as the cursor carries it: its values as compact JSON."""
    return json.dumps([value.isoformat() if isinstance(value, date | datetime) else value
                       for value in values], separators=(",", ":"))


class KeysetPagination(CursorPagination):
    """`?page_size=` (up to MAX_PAGE_SIZE) and opaque `next`/`previous` links. Subclasses set
    `ordering`: model fields, the last one the primary key."""

    ordering: tuple[str, ...] | None = None
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = ("This cursor is not one this list gave out: follow the `next` or "
                              "`previous` link as given, or start again without a cursor.")

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        ordering = tuple(self.ordering or ())
        if not ordering or ordering[-1].lstrip("-") not in ("id", "pk"):
            raise ImproperlyConfigured(
                f"{type(view).__name__} pages with {type(self).__name__}, whose ordering "
                f"{ordering!r} is not total: name the fields ending with the primary key.")
        return ordering

    def decode_cursor(self, request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii"), validate=True)
                                    .decode("ascii"), keep_blank_values=True)
            reverse = bool(int(tokens.get("r", ["0"])[0]))
            position = tokens.get("p", [None])[0]
            values = json.loads(position) if position is not None else None
        except (UnicodeError, binascii.Error, ValueError, TypeError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) \
                from None
        return Cursor(offset=0, reverse=reverse, position=values)

    def _typed(self, queryset, values) -> list | None:
        """The cursor's values as the ordering fields' Python values (400 if they are not)."""
        if values is None:
            return None
        if not isinstance(values, list) or len(values) != len(self.ordering):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        meta = queryset.model._meta
        try:
            return [(meta.pk if name.lstrip("-") == "pk" else meta.get_field(name.lstrip("-")))
                    .to_python(value) for name, value in zip(self.ordering, values, strict=True)]
        except (DjangoValidationError, TypeError, ValueError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) \
                from None

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's steps (page size, direction, one row more than the page to know whether
        # another follows), with the cursor compared on every ordering field.
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        reverse = self.cursor is not None and self.cursor.reverse
        current = self._typed(queryset, self.cursor.position if self.cursor else None)
        ordering = _reversed(self.ordering) if reverse else self.ordering
        queryset = queryset.order_by(*ordering)
        if current is not None:
            queryset = queryset.filter(rows_after(ordering, current))
        results = list(queryset[:self.page_size + 1])
        self.page = results[:self.page_size]
        following = (self._get_position_from_instance(results[-1], self.ordering)
                     if len(results) > len(self.page) else None)
        position = self.cursor.position if self.cursor else None
        current_position = None if position is None else _position(position)
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = current_position is not None, following is not None
            self.next_position, self.previous_position = current_position, following
        else:
            self.has_next, self.has_previous = following is not None, current_position is not None
            self.next_position, self.previous_position = following, current_position
        self.display_page_controls = self.has_previous or self.has_next
        return self.page

    def _get_position_from_instance(self, instance, ordering) -> str:
        """The row's place: its ordering fields' values."""
        names = [name.lstrip("-") for name in ordering]
        if isinstance(instance, dict):
            return _position([instance[name] for name in names])
        return _position([getattr(instance, name) for name in names])
