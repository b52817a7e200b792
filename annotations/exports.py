"""Exports of the desk's claims: what the caller may see, read chunk by chunk, and written as
JSON Lines, CSV or schema.org ClaimReview.

`export_rows` walks the claims that stand in reading order (article, position, id) in keyset
chunks of CHUNK claims: per chunk one query for the claims (plain values, with article, source
and final verdict), one for their spans (their words cut in Python from each article's text,
read once) and one for their verdicts. Nothing holds more than a chunk, so memory stays
flat whatever the size, and the query count grows with the number of chunks only. The
blind-review rules are those of annotations.access (BlindRules); the filters are the claims
list's (annotations.filters.ClaimFilter). The export views and the API's claims list share
`export_rows` and its read model.
"""

import csv
import functools
import io
import json
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from json.encoder import encode_basestring
from typing import NamedTuple

from django.conf import settings
from django.db import connection, connections
from django.db.models import (
    BooleanField,
    CharField,
    F,
    Func,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django_filters.utils import translate_validation

from annotations import access
from annotations.filters import ClaimFilter
from annotations.models import FinalVerdict, Verdict
from annotations.public_urls import claim_public_url
from annotations.selectors import verdict_row_is_current
from claims.models import Article, Claim, Source, Span
from claims.selectors import claim_stands

CHUNK = 2000
SPAN_SEPARATOR = " … "  # as claims.spans.spans_text joins a role's pieces
ROLES = tuple(Span.Role.values)


# --- Read models ----------------------------------------------------------------------------
# Named tuples rather than dataclasses: an export builds one ExportClaim per claim (a million
# in a big one), and a tuple is built several times faster than a frozen dataclass.
class ExportArticle(NamedTuple):  # one per article and chunk, shared by its claims
    id: int
    title: str
    url: str
    outlet: str
    published_on: str | None  # ISO date


class ExportVerdict(NamedTuple):
    reviewer: str | None  # None when the caller may not see who gave it
    mine: bool
    label: str
    rationale: str
    evidence_links_json: str  # the JSON array as stored
    source_correct: bool | None
    content_correct: bool | None
    revision: int
    claim_version: int
    current: bool
    created_iso: str  # ISO 8601 in UTC, as datetime.isoformat() writes it
    updated_iso: str


class ExportFinal(NamedTuple):
    label: str
    provenance: str
    reason_code: str
    reason: str
    decided_by: str | None  # None: unanimous, or the caller may not see names
    decided_iso: str  # ISO 8601 in UTC
    claim_version: int

    @property
    def decided_at(self) -> datetime:
        return datetime.fromisoformat(self.decided_iso)


class ExportClaim(NamedTuple):
    id: int
    article: ExportArticle
    position: int
    kind: str
    status: str
    attribution_version: int
    created_iso: str  # ISO 8601 in UTC
    source_id: int | None
    source_name: str
    source_kind: str
    spans: dict[str, list[tuple[int, int]]]  # role: [(start, end), ...] in text order
    texts: dict[str, str]  # role: the words the spans cover
    verdicts: tuple[ExportVerdict, ...]
    final: ExportFinal | None

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.created_iso)

    @property
    def article_id(self) -> int:
        return self.article.id



# --- Filters --------------------------------------------------------------------------------
def export_filter(request) -> QuerySet[Claim]:
    """The claims `request.user` may export, narrowed by the request's query parameters
    (unordered: export_rows orders them). Rejected claims are never exported.

    Bad parameters raise the API's ValidationError with the errors by parameter, as
    django-filter's DRF backend does for the claims list, so both answer the same 400; the
    export views call this before their response starts streaming."""
    claims = access.claims_visible_to(request.user).filter(claim_stands())
    filtered = ClaimFilter(request.GET, queryset=claims, request=request)
    if not filtered.is_valid():
        raise translate_validation(filtered.errors)
    return filtered.qs


# --- The selector ---------------------------------------------------------------------------
def _after(cursor: tuple[int, int, int]) -> Q:
    """Claims after `cursor` in reading order; the redundant article_id >= bound lets the
    (article, position, id) index start the scan at the cursor instead of the first row."""
    article_id, position, pk = cursor
    return Q(article_id__gte=article_id) & (
        Q(article_id__gt=article_id) | Q(position__gt=position)
        | Q(position=position, id__gt=pk))


class _UtcText(Func):
    """A timestamp as the database writes it in UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]" (SQLite
    stores it so): an export reads millions, and Django's time-zone-aware loader, which makes
    each a datetime, is pure Python; _isoformat finishes the text."""

    output_field = CharField()
    template = "(%(expressions)s AT TIME ZONE 'UTC')::text"

    def as_sqlite(self, compiler, connection, **extra):
        # Text already; the cast keeps sqlite3 from making it a datetime by its column type.
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS text)",
                           **extra)


def _isoformat(utc_text: str | None) -> str | None:
    """_UtcText's text as datetime.isoformat() writes the UTC datetime: "T", the fraction in
    six digits when there is one (PostgreSQL drops trailing zeros), "+00:00"."""
    if utc_text is None:
        return None
    fraction = utc_text[19:]
    return (f"{utc_text[:10]}T{utc_text[11:19]}{fraction.ljust(7, '0') if fraction else ''}"
            "+00:00")


class _AmongIds(Func):
    """`column IN ids` as a filter: on PostgreSQL one parameter, the array's text (psycopg's
    list adapter is pure Python), where Django's __in writes and binds one parameter per id,
    which cost more than the query."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: list[int]):
        super().__init__(F(column))
        self.ids = ids

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        array = "{" + ",".join(map(str, self.ids)) + "}"
        return f"{column} = ANY(%s::bigint[])", (*params, array)


# The claim, source and final-verdict columns an export row needs, read as plain values
# (model instances were most of an export's time); the article's come once per chunk.
_CLAIM_FIELDS = (
    "id", "article_id", "position", "kind", "status", "attribution_version", "created",
    "source_id", "source__name", "source__kind", "final_verdict__label",
    "final_verdict__provenance", "final_verdict__reason_code", "final_verdict__reason",
    "final_decided_at", "final_verdict__claim_version", "final_verdict__decided_by__username",
)


def _joined_articles_from(rows: QuerySet, article_id: int) -> Q:
    """The keyset's lower bound on the article the claims are joined to (claim_stands() joins
    it to ask whether it is deleted), when they are: PostgreSQL merge-joined the claims with
    the articles read from the first one, every chunk (an export's time grew with the square
    of its size). Written as SQL because Django writes article__id as the claim's column."""
    if "claims_article" not in rows.query.alias_map:
        return Q()
    return Q(RawSQL('"claims_article"."id" >= %s', (article_id,),
                    output_field=BooleanField()))


def _chunks(claims: QuerySet[Claim], size: int) -> Iterator[list[tuple]]:
    rows = (claims.annotate(created=_UtcText("created_at"),
                            final_decided_at=_UtcText("final_verdict__decided_at"))
            .order_by("article_id", "position", "id").values_list(*_CLAIM_FIELDS))
    cursor = None
    while True:
        chunk = list((rows if cursor is None else rows.filter(
            _after(cursor), _joined_articles_from(rows, cursor[0])))[:size])
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        last = chunk[-1]
        cursor = (last[1], last[2], last[0])


def _articles(article_ids: list[int]) -> tuple[dict[int, ExportArticle], dict[int, str]]:
    """The chunk's articles and their texts, each read once."""
    articles, texts = {}, {}
    for pk, title, url, outlet, published, text in (
            Article.objects.filter(_AmongIds("id", article_ids))
            .values_list("pk", "title", "url", "outlet", "published_on", "text")):
        articles[pk] = ExportArticle(pk, title, url, outlet,
                                     published.isoformat() if published else None)
        texts[pk] = text
    return articles, texts


def _spans(claim_ids: list[int]) -> dict[int, dict[str, list[tuple[int, int]]]]:
    """Each claim's spans: role: [(start, end), ...] in text order, for every role."""
    by_claim: dict[int, dict[str, list[tuple[int, int]]]] = {}
    for claim_id, role, start, end in (
            Span.objects.filter(_AmongIds("claim_id", claim_ids))
            .order_by("start", "end", "id").values_list("claim_id", "role", "start", "end")):
        roles = by_claim.get(claim_id)
        if roles is None:
            roles = by_claim[claim_id] = {role: [] for role in ROLES}
        roles[role].append((start, end))
    return by_claim


def _verdicts(claim_ids: list[int]) -> dict[int, list[tuple]]:
    rows: dict[int, list[tuple]] = defaultdict(list)
    verdicts = (Verdict.objects.filter(_AmongIds("claim_id", claim_ids))
                .annotate(links_json=Cast("evidence_links", TextField()),
                          created=_UtcText("created_at"), updated=_UtcText("updated_at"))
                .order_by("created_at", "id")
                .values_list("claim_id", "reviewer_id", "reviewer__username", "label",
                             "rationale", "links_json", "source_correct", "content_correct",
                             "revision", "claim_version", "created", "updated"))
    for row in verdicts:
        rows[row[0]].append(row)
    return rows


def _chunk_reads(claims: QuerySet[Claim], size: int) -> Iterator[tuple]:
    """Each chunk's claim rows, articles, article texts, spans and verdicts: four queries."""
    for chunk in _chunks(claims, size):
        ids = [row[0] for row in chunk]
        articles, texts = _articles(list({row[1]: None for row in chunk}))
        yield chunk, articles, texts, _spans(ids), _verdicts(ids)


_END = object()


def _read_ahead(reads: Iterator[tuple], size: int) -> Iterator[tuple]:
    """`reads` (chunks of `size` claims), the next one made by a thread while the caller works
    on this one: the database and this process work at the same time (an export took their
    two times added up). Only once a full first chunk says more may follow (a page of the
    claims API is one chunk: no thread, no second connection). The thread has its own
    database connection, which could not see a transaction's uncommitted rows: inside one
    (tests), the reads are made in line."""
    first = next(reads, None)
    if first is None:
        return
    if connection.in_atomic_block or len(first[0]) < size:
        yield first
        yield from reads
        return
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.5)
                return True
            except queue.Full:
                pass
        return False

    def read() -> None:
        try:
            for item in reads:
                if not hand_over((item, None)):
                    return
            hand_over((_END, None))
        except Exception as error:  # raised again in the caller's thread
            hand_over((None, error))
        finally:
            connections.close_all()  # this thread's connections

    reader = threading.Thread(target=read, name="export-read-ahead", daemon=True)
    reader.start()
    try:
        yield first
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()  # the client went away or the export ended: the reader stops too
        reader.join()


def export_rows(user, claims: QuerySet[Claim], *, chunk_size: int | None = None
                ) -> Iterator[ExportClaim]:
    """Each claim of `claims` in reading order as `user` may see it: every verdict they may
    see (their own always; colleagues' once they have their own current verdict on the claim,
    by name for leads only) and the final verdict if they may see it. Four queries per chunk
    of `chunk_size` claims (default CHUNK): claims, their articles, spans and verdicts, the
    next chunk read while this one is written."""
    caller = access.BlindRules(user)
    asks_own_current = _asks_own_current(caller)
    size = chunk_size or CHUNK
    for chunk, articles, texts, spans, verdicts in _read_ahead(_chunk_reads(claims, size),
                                                               size):
        for row in chunk:
            yield _built(row, articles[row[1]], texts[row[1]], spans.get(row[0]),
                         verdicts.get(row[0], ()), caller, asks_own_current)


def _asks_own_current(rules: access.BlindRules) -> bool:
    """Whether any of the caller's answers turns on their own current verdict on the claim
    (not for a lead): if none does, an export need not look for it claim by claim."""
    return any(rules.sees_others(own_current=False) != rules.sees_others(own_current=True)
               or rules.sees_final(status=status, own_current=False)
               != rules.sees_final(status=status, own_current=True)
               for status in Claim.Status.values)


def _built(row: tuple, article: ExportArticle, text: str,
           offsets: dict[str, list[tuple[int, int]]] | None, verdict_rows: list[tuple],
           caller: access.BlindRules, asks_own_current: bool) -> ExportClaim:
    (pk, _, position, kind, status, attribution_version, created, source_id, source_name,
     source_kind, final_label, final_provenance, final_reason_code, final_reason,
     final_decided_at, final_claim_version, final_decided_by) = row
    if offsets is None:  # a claim without spans
        offsets = {role: [] for role in ROLES}
    me, show_names = caller.id, caller.show_names
    verdicts, own_current = (), False
    if verdict_rows:
        current = [verdict_row_is_current(claim_version=verdict[9],
                                          attribution_version=attribution_version)
                   for verdict in verdict_rows]
        own_current = asks_own_current and any(
            verdict[1] == me and is_current
            for verdict, is_current in zip(verdict_rows, current, strict=True))
        see_others = caller.sees_others(own_current=own_current)
        verdicts = tuple(
            ExportVerdict(name if show_names or reviewer_id == me else None,
                          reviewer_id == me, label, rationale, links_json, source_correct,
                          content_correct, revision, claim_version, is_current,
                          _isoformat(created_at), _isoformat(updated_at))
            for (_, reviewer_id, name, label, rationale, links_json, source_correct,
                 content_correct, revision, claim_version, created_at, updated_at), is_current
            in zip(verdict_rows, current, strict=True) if see_others or reviewer_id == me)
    final = None
    if final_label is not None and caller.sees_final(status=status, own_current=own_current):
        final = ExportFinal(final_label, final_provenance, final_reason_code, final_reason,
                            final_decided_by if show_names else None,
                            _isoformat(final_decided_at), final_claim_version)
    return ExportClaim(
        pk, article, position, kind, status, attribution_version, _isoformat(created),
        source_id, source_name or "", source_kind or "", offsets,
        {role: SPAN_SEPARATOR.join([text[start:end] for start, end in pairs])
         for role, pairs in offsets.items()}, verdicts, final)


# --- JSON Lines -----------------------------------------------------------------------------
# Each line is written from pieces, as json.dumps(..., ensure_ascii=False) would write it:
# strings through json's own (C) string encoder, the article's and the source's objects once
# per article and per source, the evidence links as the database stores them (a JSON array).
_string = encode_basestring
_LITERALS = {None: "null", True: "true", False: "false"}


def _text(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _article_json(article: ExportArticle) -> str:
    return (f'{{"id": {article.id}, "title": {_string(article.title)}, '
            f'"url": {_string(article.url)}, "outlet": {_string(article.outlet)}, '
            f'"published_on": {_text(article.published_on)}}}')


@functools.lru_cache(maxsize=1024)
def _source_json(source_id: int | None, name: str, kind: str) -> str:
    if source_id is None:
        return "null"
    return f'{{"id": {source_id}, "name": {_string(name)}, "kind": {_string(kind)}}}'


def _verdict_json(v: ExportVerdict) -> str:
    return (f'{{"reviewer": {_text(v.reviewer)}, "mine": {_LITERALS[v.mine]}, '
            f'"label": {_string(v.label)}, "rationale": {_string(v.rationale)}, '
            f'"evidence_links": {v.evidence_links_json}, '
            f'"source_correct": {_LITERALS[v.source_correct]}, '
            f'"content_correct": {_LITERALS[v.content_correct]}, "revision": {v.revision}, '
            f'"claim_version": {v.claim_version}, "current": {_LITERALS[v.current]}, '
            f'"created_at": {_string(v.created_iso)}, "updated_at": {_string(v.updated_iso)}}}')


def _final_json(final: ExportFinal | None) -> str:
    if final is None:
        return "null"
    return (f'{{"label": {_string(final.label)}, "provenance": {_string(final.provenance)}, '
            f'"reason_code": {_string(final.reason_code)}, "reason": {_string(final.reason)}, '
            f'"decided_by": {_text(final.decided_by)}, "decided_at": {_string(final.decided_iso)}, '
            f'"claim_version": {final.claim_version}}}')


def _offsets_json(pairs: list[tuple[int, int]]) -> str:
    if len(pairs) == 1:  # by far the most common
        ((start, end),) = pairs
        return f"[[{start}, {end}]]"
    return "[" + ", ".join([f"[{start}, {end}]" for start, end in pairs]) + "]"


def claim_as_json_line(claim: ExportClaim, article_json: str) -> str:
    """One line of the JSON Lines export; `article_json` is _article_json(claim.article).
    Written out by hand for speed, with the names and values of the claims API's
    ClaimSerializer (annotations/api/serializers.py) for the same facts, plus every visible
    verdict; tests/annotations/test_exports.py holds the two to the same names."""
    spans, texts = claim.spans, claim.texts  # in ROLES order, written out: the fastest way
    return (f'{{"id": {claim.id}, "article": {article_json}, "position": {claim.position}, '
            f'"kind": {_string(claim.kind)}, "status": {_string(claim.status)}, '
            f'"attribution_version": {claim.attribution_version}, '
            f'"created_at": {_string(claim.created_iso)}, '
            f'"source": {_source_json(claim.source_id, claim.source_name, claim.source_kind)}, '
            f'"spans": {{"source": {_offsets_json(spans["source"])}, '
            f'"cue": {_offsets_json(spans["cue"])}, '
            f'"content": {_offsets_json(spans["content"])}}}, '
            f'"texts": {{"source": {_string(texts["source"])}, "cue": {_string(texts["cue"])}, '
            f'"content": {_string(texts["content"])}}}, '
            f'"verdicts": [{", ".join(map(_verdict_json, claim.verdicts))}], '
            f'"final_verdict": {_final_json(claim.final)}}}\n')


def jsonl_lines(rows: Iterable[ExportClaim]) -> Iterator[str]:
    article, article_json = None, ""
    for claim in rows:
        if claim.article is not article:  # the article's claims come one after the other
            article, article_json = claim.article, _article_json(claim.article)
        yield claim_as_json_line(claim, article_json)


# --- CSV ------------------------------------------------------------------------------------
CSV_HEADER = (
    "claim_id", "article_id", "article_title", "article_url", "article_outlet",
    "article_published", "position", "kind", "status", "source_name", "source_kind",
    "source_text", "cue_text", "content_text", "source_offsets", "cue_offsets",
    "content_offsets", "final_label", "final_provenance", "final_reason_code",
    "final_reason", "verdicts_visible", "verdict_labels",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ROWS_PER_WRITE = 500


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @, tab or CR
    gets a leading single quote (OWASP, "CSV Injection")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _offsets(spans: list[tuple[int, int]]) -> str:
    return ";".join([f"{start}:{end}" for start, end in spans])


def _article_cells(article: ExportArticle) -> tuple:
    return (article.id, csv_safe(article.title), csv_safe(article.url),
            csv_safe(article.outlet), csv_safe(article.published_on))


def claim_as_csv_row(claim: ExportClaim, article_cells: tuple) -> tuple:
    """One CSV row; `article_cells` is _article_cells(claim.article). Every text cell goes
    through csv_safe; numbers and offsets (digits, ":" and ";") cannot start a formula."""
    final, texts, spans = claim.final, claim.texts, claim.spans
    return (
        claim.id, *article_cells, claim.position, csv_safe(claim.kind), csv_safe(claim.status),
        csv_safe(claim.source_name), csv_safe(claim.source_kind), csv_safe(texts["source"]),
        csv_safe(texts["cue"]), csv_safe(texts["content"]), _offsets(spans["source"]),
        _offsets(spans["cue"]), _offsets(spans["content"]),
        *((csv_safe(final.label), csv_safe(final.provenance), csv_safe(final.reason_code),
           csv_safe(final.reason)) if final else ("", "", "", "")),
        len(claim.verdicts), csv_safe("|".join([v.label for v in claim.verdicts])),
    )


def csv_lines(rows: Iterable[ExportClaim]) -> Iterator[str]:
    """The header, then the rows a few hundred at a time (one csv.writer call each)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    article, article_cells = None, ()
    batch = []
    for claim in rows:
        if claim.article is not article:  # the article's claims come one after the other
            article, article_cells = claim.article, _article_cells(claim.article)
        batch.append(claim_as_csv_row(claim, article_cells))
        if len(batch) == CSV_ROWS_PER_WRITE:
            writer.writerows(batch)
            batch = []
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(batch)
    yield buffer.getvalue()


# --- schema.org ClaimReview -----------------------------------------------------------------
RATING_NAMES = dict(Verdict.Label.choices)  # confirmed -> "Confirmed" ...
RATIONALE_SEPARATOR = "\n\n"


def agreeing_verdicts(claim: ExportClaim) -> list[ExportVerdict]:
    """The current verdicts (of those the caller sees) that gave the final verdict's label."""
    return [v for v in claim.verdicts if v.current and v.label == claim.final.label]


def rating_explanation(claim: ExportClaim) -> str:
    """The final rationale: the lead's reason for an adjudicated verdict (its reason code's
    name when the lead wrote none); for a unanimous one, the agreeing reviewers' current
    rationales, each once (two reviewers citing the same source often write the same words),
    in the order given."""
    final = claim.final
    if final.provenance == FinalVerdict.Provenance.ADJUDICATED:
        return final.reason or FinalVerdict.Reason(final.reason_code).label
    rationales = (v.rationale.strip() for v in agreeing_verdicts(claim))
    return RATIONALE_SEPARATOR.join(dict.fromkeys(r for r in rationales if r))


def claim_as_claimreview(claim: ExportClaim) -> dict:
    """A schema.org ClaimReview of a claim with a final verdict, with the fields Google's Fact
    Check Tools read; no numeric ratingValue (the desk's labels are not a scale)."""
    person = claim.source_kind == Source.Kind.PERSON
    item: dict = {"@type": "Claim"}
    if claim.source_name:
        item["author"] = {"@type": "Person" if person else "Organization",
                          "name": claim.source_name}
    if claim.article.published_on:
        item["datePublished"] = claim.article.published_on
    if claim.article.url:
        appearance = [{"@type": "CreativeWork", "url": claim.article.url}]
        item["appearance"] = appearance
        item["firstAppearance"] = appearance[0]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": claim_public_url(claim.id, claim.article.id),
        "claimReviewed": claim.texts["content"],
        "reviewRating": {"@type": "Rating", "alternateName": RATING_NAMES[claim.final.label],
                         "ratingExplanation": rating_explanation(claim)},
        "author": {"@type": "Organization", "name": settings.CLAIMDESK_ORGANISATION_NAME,
                   "url": settings.CLAIMDESK_ORGANISATION_URL},
        "datePublished": claim.final.decided_iso[:10],  # the date of its UTC ISO text
        "itemReviewed": item,
    }


def claimreview_chunks(rows: Iterable[ExportClaim]) -> Iterator[str]:
    """A JSON array of ClaimReviews, written piece by piece; claims without a final verdict
    the caller may see are left out."""
    separator = "[\n"
    for claim in rows:
        if claim.final is None:
            continue
        yield separator + json.dumps(claim_as_claimreview(claim), ensure_ascii=False)
        separator = ",\n"
    yield ("[" if separator == "[\n" else "") + "\n]\n"
