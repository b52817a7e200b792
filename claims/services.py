"""Every write to articles, sources and claims goes through here."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from claims.models import Article, Claim, ClaimChange, Source, SourceAlias, Span
from claims.selectors import claim_spans_by_role
from claims.sources import normalise_source_name
from claims.spans import SpanList, spans_clean, spans_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from claims.extraction import Attribution

logger = logging.getLogger(__name__)


# --- Articles -------------------------------------------------------------------------------
def article_text_validate(text: str) -> None:
    """Raise ValidationError with a message a person can act on; return None if text is fine."""
    if not isinstance(text, str):
        raise ValidationError("The article text must be text.")
    if "\x00" in text:
        raise ValidationError(
            "The article text contains a NUL byte (\\0); it looks like a binary file, not text."
        )
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValidationError(
            "The article text contains invalid Unicode (an unpaired surrogate)."
        ) from None
    if not text.strip():
        raise ValidationError("The article text is empty.")
    limit = settings.CLAIMDESK_MAX_ARTICLE_BYTES
    if size > limit:
        raise ValidationError(
            f"The article text is {size:,} bytes; the limit is {limit:,} bytes."
        )


def article_text_from_upload(*, data: bytes, filename: str = "upload") -> str:
    """Decode an uploaded file as UTF-8 (a byte-order mark is dropped), or explain why not."""
    limit = settings.CLAIMDESK_MAX_ARTICLE_BYTES
    if len(data) > limit + 3:
        raise ValidationError(f"{filename} is {len(data):,} bytes; the limit is {limit:,} bytes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{filename} is not valid UTF-8 text (bad byte at position {exc.start}). "
            "Save it as UTF-8 and upload it again."
        ) from None
    article_text_validate(text)
    return text


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ArticleCreateResult:
    article: Article
    created: bool


def article_create(
    *,
    text: str,
    title: str = "",
    outlet: str = "",
    url: str = "",
    published_on: date | None = None,
    language: str = "en",
    submitted_by: "AbstractBaseUser | None" = None,
    submitted_via: str = Article.Via.WEB,
) -> ArticleCreateResult:
    """Validate, deduplicate and save an article, then queue its segmentation on commit.

    Submitting text that is already stored is a no-op returning the existing article.
    """
    article_text_validate(text)
    digest = content_hash(text)
    existing = Article.objects.filter(content_hash=digest).first()
    if existing is not None:
        return ArticleCreateResult(article=existing, created=False)

    article = Article(
        title=(title.strip() or _title_from_text(text))[:500],
        outlet=outlet.strip(),
        url=url.strip(),
        published_on=published_on,
        language=language or "en",
        text=text,
        content_hash=digest,
        submitted_by=submitted_by,
        submitted_via=submitted_via,
        segmentation_queued_at=timezone.now(),
    )
    article.full_clean(exclude=["content_hash"])
    try:
        with transaction.atomic():
            article.save()
            _segmentation_enqueue(article.pk)
    except IntegrityError:
        # Another request stored the same text between our lookup and our insert.
        existing = Article.objects.filter(content_hash=digest).first()
        if existing is None:
            raise
        return ArticleCreateResult(article=existing, created=False)
    return ArticleCreateResult(article=article, created=True)


def _title_from_text(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first_line[:120] or "Untitled article"


def _segmentation_enqueue(article_id: int) -> None:
    from claims.tasks import segment_article

    segment_article.delay_on_commit(article_id)


@transaction.atomic
def article_segmentation_queue(*, article: Article) -> None:
    """Mark the article pending and queue a run; reviewers' claims survive the run."""
    article.segmentation_status = Article.Segmentation.PENDING
    article.segmentation_queued_at = timezone.now()
    article.segmentation_error = ""
    article.save(update_fields=["segmentation_status", "segmentation_queued_at",
                                "segmentation_error"])
    _segmentation_enqueue(article.pk)


def articles_requeue_stale(*, older_than: timedelta | None = None) -> list[int]:
    """Re-queue articles left pending or running for too long (a lost message, a dead worker)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.CLAIMDESK_SEGMENTATION_STALE_SECONDS)
    cutoff = timezone.now() - older_than
    stale = Q(segmentation_status=Article.Segmentation.PENDING, segmentation_queued_at__lt=cutoff)
    stale |= Q(segmentation_status=Article.Segmentation.RUNNING,
               segmentation_started_at__lt=cutoff)
    stale |= Q(segmentation_status=Article.Segmentation.PENDING,
               segmentation_queued_at__isnull=True)
    ids = list(Article.objects.filter(stale).values_list("pk", flat=True)[:1000])
    for article_id in ids:
        with transaction.atomic():
            Article.objects.filter(pk=article_id).update(
                segmentation_status=Article.Segmentation.PENDING,
                segmentation_queued_at=timezone.now(),
            )
            _segmentation_enqueue(article_id)
    return ids


# --- Segmentation ---------------------------------------------------------------------------
def segmentation_start(*, article_id: int) -> Article | None:
    """Claim the article for a run; None when there is nothing to do (done, or deleted)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None or article.segmentation_status == Article.Segmentation.DONE:
            return None
        article.segmentation_status = Article.Segmentation.RUNNING
        article.segmentation_started_at = timezone.now()
        article.segmentation_finished_at = None
        article.segmentation_attempts = F("segmentation_attempts") + 1
        article.segmentation_error = ""
        article.save(update_fields=["segmentation_status", "segmentation_started_at",
                                    "segmentation_finished_at", "segmentation_attempts",
                                    "segmentation_error"])
    article.refresh_from_db(fields=["segmentation_attempts"])
    return article


def segmentation_fail(*, article_id: int, message: str) -> None:
    Article.objects.filter(pk=article_id).update(
        segmentation_status=Article.Segmentation.FAILED,
        segmentation_finished_at=timezone.now(),
        segmentation_error=message[:5000],
    )


def segmentation_run(*, article_id: int) -> None:
    """Extract the article's claims and store them; safe to run twice or concurrently.

    Transient infrastructure errors (database, broker) propagate so that the task retries;
    anything else marks the article failed with the message.
    """
    from claims.extraction import get_extractor

    article = segmentation_start(article_id=article_id)
    if article is None:
        return
    try:
        extractor = get_extractor(settings.CLAIMDESK_SPACY_MODEL or None)
        attributions = extractor.extract(article.text)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        logger.exception("Segmentation of article %s failed", article_id)
        segmentation_fail(article_id=article_id, message=_failure_message(exc))
        return
    claims_replace_machine(
        article_id=article_id, attributions=attributions, extractor_version=extractor.version
    )


def _failure_message(exc: Exception) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        limit = settings.CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT
        return f"Segmentation took longer than {limit} s and was stopped."
    return f"{type(exc).__name__}: {exc}"


def _transient_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError

    return (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


TRANSIENT_ERRORS = _transient_errors()


def _claim_is_untouched_machine_output() -> Q:
    return Q(origin=Claim.Origin.MACHINE, edited_at__isnull=True, status=Claim.Status.OPEN,
             verdicts__isnull=True)


@transaction.atomic
def claims_replace_machine(
    *, article_id: int, attributions: "list[Attribution]", extractor_version: str
) -> int:
    """Replace the article's untouched machine claims with a new run's; return claims created.

    Claims with a verdict, edited by a reviewer, created by a reviewer, rejected or final are
    kept as they are, and a new attribution whose cue a kept claim already covers is skipped.
    """
    article = Article.objects.select_for_update().get(pk=article_id)
    article.claims.filter(_claim_is_untouched_machine_output()).delete()
    kept_cues = set(
        Span.objects.filter(claim__article=article, role=Span.Role.CUE)
        .values_list("start", "end")
    )
    source_cache: dict[tuple[str, bool], Source | None] = {}
    created = 0
    for attribution in attributions:
        if any(_overlaps(cue, kept) for cue in attribution.cue for kept in kept_cues):
            continue
        key = (attribution.resolved_source or attribution.source_text, attribution.anonymous)
        if key not in source_cache:
            source_cache[key] = source_resolve(
                name=key[0], anonymous=attribution.anonymous, article_id=article_id
            )
        claim_create(
            article=article,
            source_spans=attribution.source,
            cue_spans=attribution.cue,
            content_spans=attribution.content,
            kind=attribution.kind,
            confidence=attribution.confidence,
            source=source_cache[key],
            source_anonymous=attribution.anonymous,
            origin=Claim.Origin.MACHINE,
            extractor_version=extractor_version,
        )
        created += 1
    article.segmentation_status = Article.Segmentation.DONE
    article.segmentation_finished_at = timezone.now()
    article.segmentation_error = ""
    article.extractor_version = extractor_version
    article.save(update_fields=["segmentation_status", "segmentation_finished_at",
                                "segmentation_error", "extractor_version"])
    return created


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# --- Sources --------------------------------------------------------------------------------
def source_resolve(*, name: str, anonymous: bool = False, article_id: int | None = None,
                   kind: str = Source.Kind.OTHER) -> Source | None:
    """Find or create the Source entity a name refers to, through its normalised form and aliases.

    Anonymous speakers ("a local official") are scoped to their article: two articles' local
    officials are not known to be one person, until a reviewer merges them.
    """
    key = normalise_source_name(name)
    if not key:
        return None
    if anonymous and article_id is not None:
        key = f"{key} #article-{article_id}"
        kind = Source.Kind.ANONYMOUS
    alias = SourceAlias.objects.select_related("source").filter(normalized_alias=key).first()
    if alias is not None:
        return alias.source
    source, _ = Source.objects.get_or_create(
        normalized_name=key, defaults={"name": name.strip()[:300], "kind": kind}
    )
    return source


@transaction.atomic
def source_alias_add(*, source: Source, alias: str) -> SourceAlias:
    key = normalise_source_name(alias)
    if not key:
        raise ValidationError("The alias is empty once normalised.")
    if key == source.normalized_name:
        raise ValidationError(f"{alias!r} is already how {source.name!r} is written.")
    if SourceAlias.objects.filter(normalized_alias=key).exclude(source=source).exists():
        raise ValidationError(f"{alias!r} is already an alias of another source.")
    alias_row, _ = SourceAlias.objects.get_or_create(
        normalized_alias=key, defaults={"source": source, "alias": alias.strip()[:300]}
    )
    return alias_row


@transaction.atomic
def source_merge(*, source: Source, into: Source) -> Source:
    """Fold `source` into `into`: its claims, aliases and name become `into`'s."""
    if source.pk == into.pk:
        raise ValidationError("A source cannot be merged into itself.")
    Claim.objects.filter(source=source).update(source=into)
    SourceAlias.objects.filter(source=source).update(source=into)
    SourceAlias.objects.get_or_create(
        normalized_alias=source.normalized_name, defaults={"source": into, "alias": source.name}
    )
    source.delete()
    return into


# --- Claims ---------------------------------------------------------------------------------
@transaction.atomic
def claim_create(
    *,
    article: Article,
    cue_spans,
    content_spans,
    source_spans=(),
    kind: str = Claim.Kind.OTHER,
    origin: str = Claim.Origin.REVIEWER,
    confidence: float | None = None,
    source: Source | None = None,
    source_anonymous: bool = False,
    extractor_version: str = "",
    created_by: "AbstractBaseUser | None" = None,
) -> Claim:
    """The one place claims are written: every span is checked against the article's text."""
    length = len(article.text)
    spans = {
        Span.Role.SOURCE: spans_clean(source_spans, text_length=length, field="source"),
        Span.Role.CUE: spans_clean(cue_spans, text_length=length, field="cue"),
        Span.Role.CONTENT: spans_clean(content_spans, text_length=length, field="content"),
    }
    _require_cue_and_content(spans)
    if kind not in Claim.Kind.values:
        raise ValidationError(f"Unknown claim kind {kind!r}.")
    if confidence is not None and not 0 <= confidence <= 1:
        raise ValidationError("Confidence must lie between 0 and 1.")
    claim = Claim.objects.create(
        article=article, source=source, kind=kind, origin=origin, confidence=confidence,
        source_anonymous=source_anonymous, extractor_version=extractor_version,
        created_by=created_by,
    )
    Span.objects.bulk_create(
        Span(claim=claim, role=role, start=start, end=end)
        for role, role_spans in spans.items()
        for start, end in role_spans
    )
    if origin == Claim.Origin.REVIEWER:
        ClaimChange.objects.create(
            claim=claim, actor=created_by, action=ClaimChange.Action.CREATE,
            after=_spans_json(spans),
        )
    return claim


def _require_cue_and_content(spans: dict[str, SpanList]) -> None:
    if not spans[Span.Role.CUE]:
        raise ValidationError("A claim needs a cue (the reporting verb or phrase).")
    if not spans[Span.Role.CONTENT]:
        raise ValidationError("A claim needs content (what is claimed).")


def _spans_json(spans: dict[str, SpanList]) -> dict[str, list[list[int]]]:
    return {role: [list(span) for span in role_spans] for role, role_spans in spans.items()}


# --- Reviewer edits -------------------------------------------------------------------------
# Every edit a reviewer makes to a claim: locked, checked against the version the reviewer saw,
# recorded in ClaimChange, and marked edited so that re-segmentation leaves the claim alone.
# Re-sending an edit that is already in place (a double click) changes nothing.
class StaleClaim(ValidationError):
    """The claim changed since the reviewer's page showed it: applying the edit could undo
    someone else's."""


def _claim_lock(*, claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("article").get(pk=claim.pk)


def _claim_check_version(claim: Claim, expected_version: int | None) -> None:
    if expected_version is not None and claim.version != expected_version:
        raise StaleClaim(
            "This claim was changed elsewhere since you opened it "
            f"(now version {claim.version}, you saw {expected_version}). "
            "Reload to see the current claim; your edit was not applied."
        )


def _claim_record(*, claim: Claim, actor, action: str, before: dict, after: dict,
                  fields: tuple[str, ...] = ()) -> Claim:
    claim.version += 1
    claim.edited_at = timezone.now()
    claim.save(update_fields=[*fields, "version", "edited_at"])
    ClaimChange.objects.create(claim=claim, actor=actor, action=action,
                               before=before, after={**after, "version": claim.version})
    return claim


@transaction.atomic
def claim_spans_update(*, claim: Claim, role: str, spans, actor,
                       expected_version: int | None) -> Claim:
    """Replace the claim's spans of one role. New source spans also re-resolve the source
    entity from the text they cover."""
    if role not in Span.Role.values:
        raise ValidationError(f"Unknown span role {role!r}: use source, cue or content.")
    claim = _claim_lock(claim=claim)
    text = claim.article.text
    cleaned = spans_clean(spans, text_length=len(text), field=role)
    current = claim_spans_by_role(claim)
    if current[role] == cleaned:
        return claim
    _claim_check_version(claim, expected_version)
    _require_cue_and_content({**current, role: cleaned})
    before: dict = _spans_json({role: current[role]})
    after: dict = _spans_json({role: cleaned})
    fields: tuple[str, ...] = ()
    if role == Span.Role.SOURCE and cleaned:
        source = source_resolve(name=spans_text(text, cleaned, sep=" "),
                                anonymous=claim.source_anonymous, article_id=claim.article_id)
        if source is not None and source.pk != claim.source_id:
            before["source_id"], after["source_id"] = claim.source_id, source.pk
            claim.source = source
            fields = ("source",)
    claim.spans.filter(role=role).delete()
    Span.objects.bulk_create(Span(claim=claim, role=role, start=start, end=end)
                             for start, end in cleaned)
    return _claim_record(claim=claim, actor=actor, action=ClaimChange.Action.EDIT_SPANS,
                         before=before, after=after, fields=fields)


def _claim_status_set(*, claim: Claim, status: str, action: str, actor,
                      expected_version: int | None, only_from: str | None = None) -> Claim:
    claim = _claim_lock(claim=claim)
    if claim.status == status or (only_from is not None and claim.status != only_from):
        return claim
    _claim_check_version(claim, expected_version)
    before = {"status": claim.status}
    claim.status = status
    return _claim_record(claim=claim, actor=actor, action=action, before=before,
                         after={"status": status}, fields=("status",))


@transaction.atomic
def claim_reject(*, claim: Claim, actor, expected_version: int | None) -> Claim:
    """Mark the claim "not a claim": it leaves the review queue; its verdicts are kept."""
    return _claim_status_set(claim=claim, status=Claim.Status.REJECTED,
                             action=ClaimChange.Action.REJECT, actor=actor,
                             expected_version=expected_version)


@transaction.atomic
def claim_restore(*, claim: Claim, actor, expected_version: int | None) -> Claim:
    """Undo claim_reject; a claim that is not rejected is left as it is."""
    return _claim_status_set(claim=claim, status=Claim.Status.OPEN,
                             action=ClaimChange.Action.RESTORE, actor=actor,
                             expected_version=expected_version,
                             only_from=Claim.Status.REJECTED)


@transaction.atomic
def claim_source_set(*, claim: Claim, source: Source, actor,
                     expected_version: int | None) -> Claim:
    """Point this one claim at another source entity."""
    claim = _claim_lock(claim=claim)
    if claim.source_id == source.pk:
        return claim
    _claim_check_version(claim, expected_version)
    before = {"source_id": claim.source_id}
    claim.source = source
    return _claim_record(claim=claim, actor=actor, action=ClaimChange.Action.SET_SOURCE,
                         before=before, after={"source_id": source.pk}, fields=("source",))


@transaction.atomic
def claim_source_merge(*, claim: Claim, into: Source, actor,
                       expected_version: int | None) -> Claim:
    """Merge the claim's source entity into `into` (see source_merge): every claim of the old
    entity moves, and each one's change is recorded."""
    claim = _claim_lock(claim=claim)
    if claim.source_id is None:
        raise ValidationError("This claim has no source entity to merge; set one instead.")
    if claim.source_id == into.pk:
        return claim
    _claim_check_version(claim, expected_version)
    old = claim.source
    moved = list(Claim.objects.select_for_update().filter(source=old))
    before = {"source_id": old.pk, "source_name": old.name}  # before delete() clears old.pk
    source_merge(source=old, into=into)
    after = {"source_id": into.pk, "source_name": into.name, "merged": True}
    now = timezone.now()
    Claim.objects.filter(pk__in=[c.pk for c in moved]).update(
        version=F("version") + 1, edited_at=now
    )
    ClaimChange.objects.bulk_create(
        ClaimChange(claim=c, actor=actor, action=ClaimChange.Action.SET_SOURCE,
                    before=before, after={**after, "version": c.version + 1})
        for c in moved
    )
    claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_add(*, article: Article, content_spans, cue_spans, source_spans=(),
              kind: str = Claim.Kind.OTHER, actor) -> Claim:
    """A claim the extractor missed, added by a reviewer; its source entity is resolved from
    the source text."""
    source = None
    cleaned_source = spans_clean(source_spans, text_length=len(article.text), field="source")
    if cleaned_source:
        source = source_resolve(name=spans_text(article.text, cleaned_source, sep=" "),
                                article_id=article.pk)
    return claim_create(article=article, content_spans=content_spans, cue_spans=cue_spans,
                        source_spans=cleaned_source, kind=kind, source=source,
                        origin=Claim.Origin.REVIEWER, created_by=actor)
