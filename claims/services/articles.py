"""Articles in: validation, decoding, deduplication, storage and queuing their segmentation."""

import codecs
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from claims.models import Article, ArticleChange
from claims.services.queueing import task_publish
from claims.validators import text_readable_validate

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

def article_text_line_ends_normalise(text: str) -> str:
    """CRLF and lone CR become LF; nothing else changes.

    Browsers submit textarea text with CRLF and files come with any line ends, while the review
    page counts offsets in the DOM, where CRLF and CR are already LF: one article is one text,
    and span offsets mean the same characters on the server and in the browser.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def article_text_validate(text: str) -> None:
    """Raise ValidationError with a message a person can act on; return None if text is fine.

    The size limit counts the text as it will be stored (line ends normalised).
    """
    if not isinstance(text, str):
        raise ValidationError("The article text must be text.")
    if "\x00" in text:
        raise ValidationError(
            "The article text contains a NUL byte (\\0); it looks like a binary file, not text."
        )
    try:
        size = len(article_text_line_ends_normalise(text).encode("utf-8"))
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


def article_text_from_paste(text: str) -> str:
    """Check text typed or pasted into a form, as the form received it, or explain why not."""
    text_readable_validate(
        text, what="The pasted text",
        hint="Paste it again from the original, or save it as a UTF-8 .txt file and upload that.")
    article_text_validate(text)
    return text


def article_upload_size_limit() -> int:
    """The most bytes an uploaded article file may have: the article limit in UTF-16 (two bytes
    for each byte of ASCII text) and its byte-order mark. article_text_validate then counts the
    decoded text in UTF-8."""
    return 2 * settings.CLAIMDESK_MAX_ARTICLE_BYTES + 2


def article_text_from_upload(*, data: bytes, filename: str = "upload",
                             size: int | None = None) -> str:
    """Decode an uploaded file, or explain why not: UTF-8 (a byte-order mark is dropped), or
    UTF-16 when it starts with a UTF-16 byte-order mark (Windows Notepad's "Unicode").

    `size` is the file's size when `data` is only its beginning (a file over
    article_upload_size_limit need not be read to be refused)."""
    size = len(data) if size is None else size
    limit = settings.CLAIMDESK_MAX_ARTICLE_BYTES
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if size > (article_upload_size_limit() if utf16 else limit + len(codecs.BOM_UTF8)):
        raise ValidationError(f"{filename} is {size:,} bytes; the limit is {limit:,} bytes.")
    if not utf16 and b"\x00" in data:
        raise ValidationError(
            f"{filename} contains NUL bytes: it looks like UTF-16 without a byte-order mark, or a "
            "binary file, not text. Save it as UTF-8 text and upload it again."
        )
    try:
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{filename} is not valid {'UTF-16' if utf16 else 'UTF-8'} text (bad byte at "
            f"position {exc.start}). Save it as UTF-8 and upload it again."
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

    Every entry path comes through here, so this is where line ends become LF; the text is
    otherwise stored as received. Submitting text that is already stored (line ends aside) is a
    no-op returning the existing article.
    """
    article_text_validate(text)
    text = article_text_line_ends_normalise(text)
    metadata = article_metadata_clean(title=title, outlet=outlet, url=url,
                                      published_on=published_on, language=language,
                                      text=lambda: text)
    digest = content_hash(text)
    existing = Article.objects.filter(content_hash=digest).first()
    if existing is not None:
        _refuse_if_deleted(existing)
        return ArticleCreateResult(article=existing, created=False)

    article = Article(
        **metadata,
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
        _refuse_if_deleted(existing)
        return ArticleCreateResult(article=existing, created=False)
    return ArticleCreateResult(article=article, created=True)


ARTICLE_METADATA = ("title", "outlet", "url", "published_on", "language")


def article_metadata_clean(*, title: str, outlet: str, url: str, published_on: date | None,
                           language: str, text: Callable[[], str]) -> dict:
    """An article's title, outlet, URL, published date and language as stored, or a
    ValidationError by field: the one check for a new article (article_create) and an edit
    (article_update). A blank title becomes the first line of the text (`text()`, read only
    then); a blank language "en"."""
    _article_fields_validate(title=title, outlet=outlet, url=url, language=language)
    # A given title longer than the column is refused above, never cut; only the title taken
    # from the text's first line is shortened (_title_from_text).
    values = {"title": title.strip() or _title_from_text(text()),
              "outlet": outlet.strip(), "url": url.strip(), "published_on": published_on,
              "language": language or "en"}
    errors = {}
    for name, value in values.items():
        try:
            values[name] = Article._meta.get_field(name).clean(value, None)
        except ValidationError as refused:
            errors[name] = refused.messages
    if errors:
        raise ValidationError(errors)
    return values


def article_field_limit(name: str) -> int | None:
    """How many characters the article's column `name` holds: article_create refuses more,
    and the submit form, the admin and the API say so per field."""
    return Article._meta.get_field(name).max_length


def _article_fields_validate(**fields: str) -> None:
    """Refuse what no database column can hold: NUL (PostgreSQL refuses it in text), unpaired
    surrogates (not encodable as UTF-8) and more characters than the column has room for
    (counted as stored, stripped). Forms and the API refuse these already; an import line or a
    script reaches here with them, and a value too long is refused rather than cut short."""
    errors = {}
    for name, value in fields.items():
        if "\x00" in value:
            errors[name] = "contains a NUL byte (\\0), which cannot be stored"
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            errors[name] = "contains invalid Unicode (an unpaired surrogate)"
            continue
        limit = article_field_limit(name)
        length = len(value.strip())
        if limit is not None and length > limit:
            errors[name] = f"is {length:,} characters long; the limit is {limit:,}"
    if errors:
        raise ValidationError(errors)


def _metadata_recorded(value):
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def article_update(*, article: Article, actor, title: str, outlet: str, url: str,
                   published_on: date | None, language: str) -> Article:
    """Set an article's title, outlet, URL, published date and language, checked as
    article_create checks them (article_metadata_clean), and record the fields that changed in
    an ArticleChange; an edit that changes nothing records nothing. Its text never changes:
    span offsets point into it."""
    article = Article.objects.select_for_update().defer("text").get(pk=article.pk)
    values = article_metadata_clean(
        title=title, outlet=outlet, url=url, published_on=published_on, language=language,
        text=lambda: Article.objects.values_list("text", flat=True).get(pk=article.pk))
    changed = [name for name in ARTICLE_METADATA if values[name] != getattr(article, name)]
    if not changed:
        return article
    before = {name: _metadata_recorded(getattr(article, name)) for name in changed}
    for name in changed:
        setattr(article, name, values[name])
    article.save(update_fields=changed)
    ArticleChange.objects.create(
        article=article, actor=actor, action=ArticleChange.Action.EDIT, before=before,
        after={name: _metadata_recorded(values[name]) for name in changed})
    return article


def _refuse_if_deleted(article: Article) -> None:
    if article.deleted_at is not None:
        raise ValidationError(
            f"This text is already stored as the article “{article.title}”, which was deleted; "
            "nothing was saved. A lead can restore it in the admin."
        )


@transaction.atomic
def article_delete(*, article: Article, actor, reason: str = "") -> Article:
    """Soft delete: the article leaves every reviewer's page, queue and count (see
    claims.selectors.article_is_live); its claims, verdicts and history are kept, and
    article_restore brings it back. Deleting a deleted article changes nothing."""
    article = Article.objects.select_for_update().defer("text").get(pk=article.pk)
    if article.deleted_at is not None:
        return article
    article.deleted_at, article.deleted_by = timezone.now(), actor
    article.save(update_fields=["deleted_at", "deleted_by"])
    ArticleChange.objects.create(article=article, actor=actor, action=ArticleChange.Action.DELETE,
                                 before={"deleted": False}, after={"deleted": True},
                                 reason=reason.strip())
    return article


@transaction.atomic
def article_restore(*, article: Article, actor, reason: str = "") -> Article:
    """Undo article_delete; restoring an article that is not deleted changes nothing."""
    article = Article.objects.select_for_update().defer("text").get(pk=article.pk)
    if article.deleted_at is None:
        return article
    article.deleted_at = article.deleted_by = None
    article.save(update_fields=["deleted_at", "deleted_by"])
    ArticleChange.objects.create(article=article, actor=actor,
                                 action=ArticleChange.Action.RESTORE,
                                 before={"deleted": True}, after={"deleted": False},
                                 reason=reason.strip())
    return article


def _title_from_text(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first_line[:120] or "Untitled article"


def _segmentation_enqueue(article_id: int) -> None:
    transaction.on_commit(partial(_segmentation_publish, article_id))


def _segmentation_publish(article_id: int) -> None:
    """Hand the run to the broker; if it cannot be reached, leave the article for the sweep.

    The article is already stored: a broker that is down (or frozen: the publish is bounded by
    the CELERY_* timeouts) must not turn its submission into an error. Pending with no queued
    time is what articles_requeue_stale takes first, once the broker answers again.
    """
    from claims.tasks import segment_article

    if not task_publish(segment_article, article_id, what=f"Segmentation of article {article_id}"):
        Article.objects.filter(pk=article_id, segmentation_status=Article.Segmentation.PENDING
                               ).update(segmentation_queued_at=None)


REQUEUE_FROM = (Article.Segmentation.FAILED, Article.Segmentation.DONE)


@transaction.atomic
def article_segmentation_queue(*, article: Article) -> None:
    """Mark the article pending and queue a run; reviewers' claims survive the run.

    Only a finished run (done or failed) is queued again: a pending or running one is already
    on its way, and the periodic sweep re-queues those that stall. The count of attempts
    starts again (see segmentation_start), the sweep's re-queues keep counting.
    """
    article = Article.objects.select_for_update().defer("text").get(pk=article.pk)
    if article.segmentation_status not in REQUEUE_FROM:
        raise ValidationError(
            f"“{article.title}” is already being segmented "
            f"({article.get_segmentation_status_display().lower()}); wait for it to finish."
        )
    article.segmentation_status = Article.Segmentation.PENDING
    article.segmentation_queued_at = timezone.now()
    article.segmentation_error = ""
    article.segmentation_attempts = 0  # a person asked again: a new allowance of attempts
    article.save(update_fields=["segmentation_status", "segmentation_queued_at",
                                "segmentation_error", "segmentation_attempts"])
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

