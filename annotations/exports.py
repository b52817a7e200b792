"""Exports of the desk's claims: what the caller may see, read chunk by chunk, and written as
JSON Lines, CSV or schema.org ClaimReview.

`export_rows` walks the claims that stand in reading order (article, position, id) in keyset
chunks of CHUNK claims: per chunk one query for the claims (plain values, with article, source
and final verdict), one for their spans (their words cut in Python from each article's text,
read once) and one for their verdicts. Nothing holds more than a chunk, so memory stays
flat whatever the size, and the query count grows with the number of chunks only. The
blind-review rules are those of annotations.access and annotations.consensus; the web views
here and an API view share `export_filter`, `export_rows` and the writers.
"""

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import django_filters
from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.urls import reverse

from annotations import access
from annotations.consensus import final_verdict_visible
from annotations.models import FinalVerdict, Verdict
from annotations.selectors import reviewed_by, verdict_is_current
from claims.models import Article, Claim, Source, Span
from claims.selectors import claim_stands

CHUNK = 2000
SPAN_SEPARATOR = " … "  # as claims.spans.spans_text joins a role's pieces
ROLES = tuple(Span.Role.values)


# --- Read models ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExportVerdict:
    reviewer: str | None  # None when the caller may not see who gave it
    mine: bool
    label: str
    rationale: str
    evidence_links: tuple[str, ...]
    source_correct: bool | None
    content_correct: bool | None
    revision: int
    claim_version: int
    current: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ExportFinal:
    label: str
    provenance: str
    reason_code: str
    reason: str
    decided_by: str | None  # None: unanimous, or the caller may not see names
    decided_at: datetime
    claim_version: int


@dataclass(frozen=True, slots=True)
class ExportClaim:
    id: int
    article_id: int
    article_title: str
    article_url: str
    article_outlet: str
    article_published: date | None
    position: int
    kind: str
    status: str
    attribution_version: int
    source_name: str
    source_kind: str
    spans: dict[str, list[tuple[int, int]]]  # role: [(start, end), ...] in text order
    texts: dict[str, str]  # role: the words the spans cover
    verdicts: tuple[ExportVerdict, ...]
    final: ExportFinal | None


# --- Filters --------------------------------------------------------------------------------
MAX_ID = 2**63 - 1  # the largest id a 64-bit primary key holds


class ClaimExportFilter(django_filters.FilterSet):
    """The claims list's filters (query parameters): article, source, kind, status (open or
    final: rejected claims are never exported) and final_label, which for a reviewer only
    matches claims whose final verdict they may see (blind review)."""

    # Bounded: a foreign key compared with an integer past 64 bits makes SQLite raise
    # OverflowError, in the middle of a streamed export.
    article = django_filters.NumberFilter(field_name="article_id", min_value=1,
                                          max_value=MAX_ID)
    source = django_filters.NumberFilter(field_name="source_id", min_value=1, max_value=MAX_ID)
    kind = django_filters.ChoiceFilter(choices=Claim.Kind.choices)
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in (Claim.Status.OPEN, Claim.Status.FINAL)])
    final_label = django_filters.ChoiceFilter(choices=Verdict.Label.choices,
                                              method="filter_final_label")

    class Meta:
        model = Claim
        fields = ["article", "source", "kind", "status", "final_label"]

    def filter_final_label(self, queryset, name, value):
        queryset = queryset.filter(final_verdict__label=value)
        user = self.request.user
        if access.may_see_others_verdicts(user, has_own_current_verdict=False):
            return queryset
        if not access.may_see_others_verdicts(user, has_own_current_verdict=True):
            return queryset.none()  # blind for good
        return queryset.filter(reviewed_by(user))


class ExportFilterError(ValueError):
    """The query parameters are not valid filters; the message says which and why."""


def export_filter(request) -> QuerySet[Claim]:
    """The claims `request.user` may export, narrowed by the request's query parameters
    (unordered: export_rows orders them). ExportFilterError on bad parameters."""
    claims = access.claims_visible_to(request.user).filter(claim_stands())
    filtered = ClaimExportFilter(request.GET, queryset=claims, request=request)
    if not filtered.is_valid():
        raise ExportFilterError(" ".join(
            f"{field}: {' '.join(errors)}" for field, errors in filtered.errors.items()))
    return filtered.qs


# --- The selector ---------------------------------------------------------------------------
def _after(cursor: tuple[int, int, int]) -> Q:
    """Claims after `cursor` in reading order; the redundant article_id >= bound lets the
    (article, position, id) index start the scan at the cursor instead of the first row."""
    article_id, position, pk = cursor
    return Q(article_id__gte=article_id) & (
        Q(article_id__gt=article_id) | Q(position__gt=position)
        | Q(position=position, id__gt=pk))


# The claim, article, source and final-verdict columns an export row needs, read as plain
# values: model instances (four per row) were most of an export's time.
_CLAIM_FIELDS = (
    "id", "article_id", "position", "kind", "status", "attribution_version",
    "article__title", "article__url", "article__outlet", "article__published_on",
    "source__name", "source__kind", "final_verdict__label", "final_verdict__provenance",
    "final_verdict__reason_code", "final_verdict__reason", "final_verdict__decided_at",
    "final_verdict__claim_version", "final_verdict__decided_by__username",
)


@dataclass(frozen=True, slots=True)
class _ClaimRow:
    id: int
    article_id: int
    position: int
    kind: str
    status: str
    attribution_version: int
    article_title: str
    article_url: str
    article_outlet: str
    article_published: date | None
    source_name: str | None
    source_kind: str | None
    final_label: str | None
    final_provenance: str | None
    final_reason_code: str | None
    final_reason: str | None
    final_decided_at: datetime | None
    final_claim_version: int | None
    final_decided_by: str | None


def _chunks(claims: QuerySet[Claim], size: int) -> Iterator[list[_ClaimRow]]:
    rows = claims.order_by("article_id", "position", "id").values_list(*_CLAIM_FIELDS)
    cursor = None
    while True:
        chunk = [_ClaimRow(*row) for row in
                 (rows if cursor is None else rows.filter(_after(cursor)))[:size]]
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        last = chunk[-1]
        cursor = (last.article_id, last.position, last.id)


def _spans(chunk: list[_ClaimRow]) -> dict[int, list[tuple[str, int, int, str]]]:
    """The chunk's spans with the words each covers, cut in Python from each article's text
    read once (cutting them in the database read a whole article text per span)."""
    texts = dict(Article.objects.filter(pk__in={claim.article_id for claim in chunk})
                 .values_list("pk", "text"))
    article_of = {claim.id: claim.article_id for claim in chunk}
    rows: dict[int, list[tuple[str, int, int, str]]] = defaultdict(list)
    spans = (Span.objects.filter(claim_id__in=list(article_of)).order_by("start", "end", "id")
             .values_list("claim_id", "role", "start", "end"))
    for claim_id, role, start, end in spans:
        rows[claim_id].append((role, start, end, texts[article_of[claim_id]][start:end]))
    return rows


def _verdicts(claim_ids: list[int]) -> dict[int, list[tuple]]:
    rows: dict[int, list[tuple]] = defaultdict(list)
    verdicts = (Verdict.objects.filter(claim_id__in=claim_ids)
                .annotate(current=ExpressionWrapper(verdict_is_current(),
                                                    output_field=BooleanField()))
                .order_by("created_at", "id")
                .values_list("claim_id", "reviewer_id", "reviewer__username", "label",
                             "rationale", "evidence_links", "source_correct",
                             "content_correct", "revision", "claim_version", "current",
                             "created_at", "updated_at"))
    for row in verdicts:
        rows[row[0]].append(row)
    return rows


def export_rows(user, claims: QuerySet[Claim], *, chunk_size: int | None = None
                ) -> Iterator[ExportClaim]:
    """Each claim of `claims` in reading order as `user` may see it: every verdict they may
    see (their own always; colleagues' once they have their own current verdict on the claim,
    by name for leads only) and the final verdict if they may see it. Three queries per
    chunk of `chunk_size` claims (default CHUNK)."""
    caller = _Caller(user)
    for chunk in _chunks(claims, chunk_size or CHUNK):
        ids = [claim.id for claim in chunk]
        spans, verdicts = _spans(chunk), _verdicts(ids)
        for claim in chunk:
            yield _built(claim, spans.get(claim.id, ()), verdicts.get(claim.id, ()), caller)


class _Caller:
    """The caller's answers to the access rules, asked once per export instead of once per
    row (they depend on the user, the claim's status and whether the user has their own
    current verdict on it, nothing else)."""

    def __init__(self, user):
        self.id = user.pk
        self.show_names = access.may_see_reviewer_names(user)
        self._see_others = {own: access.may_see_others_verdicts(
            user, has_own_current_verdict=own) for own in (False, True)}
        self._final = {(status, own): final_verdict_visible(
            user, status=status, has_own_current_verdict=own)
            for status in Claim.Status.values for own in (False, True)}

    def sees_others(self, *, own_current: bool) -> bool:
        return self._see_others[own_current]

    def sees_final(self, *, status: str, own_current: bool) -> bool:
        return self._final[(status, own_current)]


def _built(claim: _ClaimRow, span_rows: Iterable[tuple], verdict_rows: Iterable[tuple],
           caller: "_Caller") -> ExportClaim:
    offsets: dict[str, list[tuple[int, int]]] = {role: [] for role in ROLES}
    pieces: dict[str, list[str]] = {role: [] for role in ROLES}
    for role, start, end, covered in span_rows:
        offsets[role].append((start, end))
        pieces[role].append(covered)
    me, show_names = caller.id, caller.show_names
    own_current = any(row[1] == me and row[10] for row in verdict_rows)
    see_others = caller.sees_others(own_current=own_current)
    verdicts = tuple(
        ExportVerdict(reviewer=name if show_names or reviewer_id == me else None,
                      mine=reviewer_id == me, label=label, rationale=rationale,
                      evidence_links=tuple(links or ()), source_correct=source_correct,
                      content_correct=content_correct, revision=revision,
                      claim_version=claim_version, current=current, created_at=created_at,
                      updated_at=updated_at)
        for (_, reviewer_id, name, label, rationale, links, source_correct, content_correct,
             revision, claim_version, current, created_at, updated_at) in verdict_rows
        if see_others or reviewer_id == me)
    final = None
    if claim.final_label is not None and caller.sees_final(status=claim.status,
                                                           own_current=own_current):
        final = ExportFinal(
            label=claim.final_label, provenance=claim.final_provenance,
            reason_code=claim.final_reason_code, reason=claim.final_reason,
            decided_by=claim.final_decided_by if show_names else None,
            decided_at=claim.final_decided_at, claim_version=claim.final_claim_version)
    return ExportClaim(
        id=claim.id, article_id=claim.article_id, article_title=claim.article_title,
        article_url=claim.article_url, article_outlet=claim.article_outlet,
        article_published=claim.article_published, position=claim.position, kind=claim.kind,
        status=claim.status, attribution_version=claim.attribution_version,
        source_name=claim.source_name or "", source_kind=claim.source_kind or "",
        spans=offsets, texts={role: SPAN_SEPARATOR.join(p) for role, p in pieces.items()},
        verdicts=verdicts, final=final)


# --- JSON Lines -----------------------------------------------------------------------------
def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def claim_as_json(claim: ExportClaim) -> dict:
    final = claim.final
    return {
        "id": claim.id,
        "article": {"id": claim.article_id, "title": claim.article_title,
                    "url": claim.article_url, "outlet": claim.article_outlet,
                    "published": _iso(claim.article_published)},
        "position": claim.position,
        "kind": claim.kind,
        "status": claim.status,
        "version": claim.attribution_version,
        "source": ({"name": claim.source_name, "kind": claim.source_kind}
                   if claim.source_name else None),
        "spans": {role: [list(span) for span in spans] for role, spans in claim.spans.items()},
        "texts": claim.texts,
        "verdicts": [{
            "reviewer": v.reviewer, "mine": v.mine, "label": v.label,
            "rationale": v.rationale, "evidence_links": list(v.evidence_links),
            "source_correct": v.source_correct, "content_correct": v.content_correct,
            "revision": v.revision, "claim_version": v.claim_version, "current": v.current,
            "created_at": _iso(v.created_at), "updated_at": _iso(v.updated_at),
        } for v in claim.verdicts],
        "final_verdict": None if final is None else {
            "label": final.label, "provenance": final.provenance,
            "reason_code": final.reason_code, "reason": final.reason,
            "decided_by": final.decided_by, "decided_at": _iso(final.decided_at),
            "claim_version": final.claim_version,
        },
    }


def jsonl_lines(rows: Iterable[ExportClaim]) -> Iterator[str]:
    for claim in rows:
        yield json.dumps(claim_as_json(claim), ensure_ascii=False) + "\n"


# --- CSV ------------------------------------------------------------------------------------
CSV_HEADER = (
    "claim_id", "article_id", "article_title", "article_url", "article_outlet",
    "article_published", "position", "kind", "status", "source_name", "source_kind",
    "source_text", "cue_text", "content_text", "source_offsets", "cue_offsets",
    "content_offsets", "final_label", "final_provenance", "final_reason_code",
    "final_reason", "verdicts_visible", "verdict_labels",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @, tab or CR
    gets a leading single quote (OWASP, "CSV Injection")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _offsets(spans: list[tuple[int, int]]) -> str:
    return ";".join(f"{start}:{end}" for start, end in spans)


def claim_as_csv_row(claim: ExportClaim) -> list[str]:
    final = claim.final
    return [csv_safe(cell) for cell in (
        claim.id, claim.article_id, claim.article_title, claim.article_url,
        claim.article_outlet, _iso(claim.article_published), claim.position, claim.kind,
        claim.status, claim.source_name, claim.source_kind, claim.texts["source"],
        claim.texts["cue"], claim.texts["content"], _offsets(claim.spans["source"]),
        _offsets(claim.spans["cue"]), _offsets(claim.spans["content"]),
        final.label if final else "", final.provenance if final else "",
        final.reason_code if final else "", final.reason if final else "",
        len(claim.verdicts), "|".join(v.label for v in claim.verdicts),
    )]


class _Echo:
    """A file-like object whose write returns what it is given (Django's streaming CSV
    recipe): csv.writer formats a row, the generator yields it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[ExportClaim]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for claim in rows:
        yield writer.writerow(claim_as_csv_row(claim))


# --- schema.org ClaimReview -----------------------------------------------------------------
RATING_NAMES = dict(Verdict.Label.choices)  # confirmed -> "Confirmed" ...
RATIONALE_SEPARATOR = "\n\n"


def claim_public_url(claim_id: int, article_id: int) -> str:
    """The claim on its article's page, on the desk's public address."""
    base = settings.CLAIMDESK_PUBLIC_BASE_URL.rstrip("/")
    path = reverse("annotations:article-detail", args=[article_id])
    return f"{base}{path}?claim={claim_id}#claim-{claim_id}"


def rating_explanation(claim: ExportClaim) -> str:
    """The final rationale: the lead's reason for an adjudicated verdict (its reason code's
    name when the lead wrote none); for a unanimous one, the agreeing reviewers' current
    rationales."""
    final = claim.final
    if final.provenance == FinalVerdict.Provenance.ADJUDICATED:
        return final.reason or FinalVerdict.Reason(final.reason_code).label
    return RATIONALE_SEPARATOR.join(
        v.rationale.strip() for v in claim.verdicts
        if v.current and v.label == final.label and v.rationale.strip())


def claim_as_claimreview(claim: ExportClaim) -> dict:
    """A schema.org ClaimReview of a claim with a final verdict, with the fields Google's Fact
    Check Tools read; no numeric ratingValue (the desk's labels are not a scale)."""
    person = claim.source_kind == Source.Kind.PERSON
    item: dict = {"@type": "Claim"}
    if claim.source_name:
        item["author"] = {"@type": "Person" if person else "Organization",
                          "name": claim.source_name}
    if claim.article_published:
        item["datePublished"] = claim.article_published.isoformat()
    if claim.article_url:
        appearance = [{"@type": "CreativeWork", "url": claim.article_url}]
        item["appearance"] = appearance
        item["firstAppearance"] = appearance[0]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": claim_public_url(claim.id, claim.article_id),
        "claimReviewed": claim.texts["content"],
        "reviewRating": {"@type": "Rating", "alternateName": RATING_NAMES[claim.final.label],
                         "ratingExplanation": rating_explanation(claim)},
        "author": {"@type": "Organization", "name": settings.CLAIMDESK_ORGANISATION_NAME,
                   "url": settings.CLAIMDESK_ORGANISATION_URL},
        "datePublished": claim.final.decided_at.date().isoformat(),
        "itemReviewed": item,
    }


def claimreview_chunks(rows: Iterable[ExportClaim]) -> Iterator[str]:
    """A JSON array of ClaimReviews, written piece by piece; claims without a final verdict
    the caller may see are left out."""
    yield "["
    separator = "\n"
    for claim in rows:
        if claim.final is None:
            continue
        yield separator + json.dumps(claim_as_claimreview(claim), ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"
