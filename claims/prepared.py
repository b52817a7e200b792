"""Querysets compiled to SQL once per process, then run again with each call's values.

Django builds a queryset and compiles it to SQL on every call. For the review rules
(correlated EXISTS and COUNT subqueries, a FilteredRelation) that is most of a review
request's CPU, the database's answer a fraction of it (bench/README.md, Load). `Prepared`
builds a rule's queryset once, with `Param` placeholders where each call's values go,
compiles it once, and then runs that SQL with the call's values through Django's own
iterables (model instances with their annotations and select_related objects, values_list
rows). The queryset stays the one definition of the rule; only its compiling is saved.

What may change from call to call is what a Param stands for: one value, adapted for the
database as its field adapts it. An integer Param is meant for equality (= and IN, ids): a
value outside the database's integer range matches no row, as Django's exact lookup has it
(a 2**63 id in a URL is a 404, not a database error). Whatever changes the SQL's shape (how
many ids an IN list holds, a filter that is there or not, a slice) is an argument of the build
function and part of the cache key; so is any setting the queryset reads, since what it reads
at build time is fixed in the SQL.
"""

import copy
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Expression, Field, QuerySet
from django.db.transaction import TransactionManagementError

# Shapes kept per prepared queryset; past this the cache starts again (shapes come from small
# counts, so this bounds a process's memory without ever being reached in practice).
MAX_SHAPES = 64


class _Slot:
    """Where a Param's value goes among the compiled SQL's parameters."""

    __slots__ = ("field", "name")

    def __init__(self, name: str, field: Field):
        self.name, self.field = name, field

    def __repr__(self):
        return f"<value {self.name}>"


class _NoMatch(Exception):
    """A value no row can hold: the query matches nothing."""


class Param(Expression):
    """Stands for the value `name` of each run of a Prepared queryset; `output_field` adapts it
    for the database (a foreign key takes its target's id, e.g. IntegerField())."""

    def __init__(self, name: str, output_field: Field):
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self):
        return f"Param({self.name!r})"

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field)]

    def get_group_by_cols(self):
        return []


class _Query:
    """The compiled query as a QuerySet's iterable sees it: its compiler, bound to this run's
    values, and the template query's attributes (values_list's field names)."""

    def __init__(self, query, compiler):
        self._query, self._compiler = query, compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    using: str
    compiler: Any  # None: the query can match no row (Django raised EmptyResultSet)
    sql: str
    params: tuple
    for_update: bool
    vendor: str
    # The compiler's row converters per list of selected expressions (they are the compiled
    # query's own, so the same on every run): Django works them out again on each execution,
    # asking every column's field, a fifth of what is left of running a compiled query.
    converters: dict = field(default_factory=dict)


class Prepared:
    """`build(*shape)` returns the queryset, with Params for the values; `rows`, `first` and
    `exists` run it (as list(), .first() and .exists() would) with `values` for the Params."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, _Compiled] = {}

    def rows(self, *shape: Hashable, **values) -> list:
        return self._fetch(self._get("rows", shape), values)

    def first(self, *shape: Hashable, **values):
        rows = self._fetch(self._get("first", shape), values)
        return rows[0] if rows else None

    def exists(self, *shape: Hashable, **values) -> bool:
        compiled = self._get("exists", shape)
        if compiled.compiler is None:
            return False
        try:
            return self._bound(compiled, values).has_results()
        except _NoMatch:
            return False

    # ---
    def _get(self, mode: str, shape: tuple) -> _Compiled:
        key = (mode, shape)
        compiled = self._compiled.get(key)
        # Compiled for another backend (a test pointing the connection at another database):
        # its SQL is not this one's.
        if compiled is None or connections[compiled.using].vendor != compiled.vendor:
            if len(self._compiled) >= MAX_SHAPES:
                self._compiled.clear()
            # Two threads may both compile a new shape: the same result, the last one kept.
            compiled = self._compiled[key] = self._compile(mode, self.build(*shape))
        return compiled

    @staticmethod
    def _compile(mode: str, queryset: QuerySet) -> _Compiled:
        if mode == "first":  # as QuerySet.first()
            queryset = (queryset if queryset.ordered else queryset.order_by("pk"))[:1]
        using = queryset.db
        query = queryset.query.exists() if mode == "exists" else queryset.query  # as has_results
        compiler = query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            compiler, sql, params = None, "", ()
        return _Compiled(queryset=queryset, using=using, compiler=compiler, sql=sql,
                         params=tuple(params), for_update=query.select_for_update,
                         vendor=connections[using].vendor)

    @staticmethod
    def _bound(compiled: _Compiled, values: dict):
        """A copy of the compiled query's compiler that runs its SQL with `values`."""
        connection = connections[compiled.using]
        # As the compiler checks it for each select_for_update() it compiles.
        features = connection.features
        if (compiled.for_update and features.has_select_for_update
                and features.supports_transactions and connection.get_autocommit()):
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction.")
        params = tuple(_value(p, values[p.name], connection) if type(p) is _Slot else p
                       for p in compiled.params)
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        sql = compiled.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        # Worked out, the first time, on this run's connection (never on the compiling one's,
        # which may be another thread's, or a database a test has since put away).
        compiler.get_converters = _converters_remembered(compiled.converters,
                                                         compiler.get_converters)
        return compiler

    def _fetch(self, compiled: _Compiled, values: dict) -> list:
        if compiled.compiler is None:
            return []
        try:
            compiler = self._bound(compiled, values)
        except _NoMatch:
            return []
        template = compiled.queryset
        queryset = QuerySet(model=template.model, using=compiled.using,
                            query=_Query(template.query, compiler))
        queryset._iterable_class = template._iterable_class
        queryset._fields = template._fields
        queryset._prefetch_related_lookups = template._prefetch_related_lookups
        return list(queryset)


def _converters_remembered(remembered: dict, work_out):
    """A compiler's get_converters (`work_out`), each answer kept in `remembered`. The key is
    the expressions' identities: they are the compiled query's select, which every run's copy
    of the compiler shares."""

    def get_converters(expressions):
        key = tuple(map(id, expressions))
        found = remembered.get(key)
        if found is None:
            found = remembered[key] = work_out(expressions)
        return found

    return get_converters


def _value(slot: _Slot, value, connection):
    value = slot.field.get_db_prep_value(value, connection)
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = connection.ops.integer_field_range(slot.field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            raise _NoMatch
    return value


def params(name: str, n: int, output_field: Field) -> list[Param]:
    """n Params for a list of values (an IN list of n values is a shape of its own):
    `name0` ... `name{n-1}`; `numbered` gives their values."""
    return [Param(f"{name}{i}", output_field) for i in range(n)]


def numbered(name: str, values) -> dict:
    return {f"{name}{i}": value for i, value in enumerate(values)}
