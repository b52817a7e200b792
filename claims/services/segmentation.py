"""Running the extractor over an article and storing its claims; safe to rerun."""

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from claims.models import Article, Claim, Source, Span
from claims.services.claims import claim_create
from claims.services.sources import source_resolve
from claims.signals import article_segmented

if TYPE_CHECKING:
    from claims.extraction import Attribution

logger = logging.getLogger(__name__)


def segmentation_start(*, article_id: int) -> Article | None:
    """Claim the article for a run and count the attempt; None when there is nothing to do:
    done, deleted, or given up.

    The count is committed before the run begins, so a run that never comes back (its worker
    killed, perhaps by this very article) still counts; once the article has had
    CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS, it is marked failed instead of run again, and the
    message that brought it is acknowledged rather than delivered for ever.
    """
    limit = settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None or article.segmentation_status == Article.Segmentation.DONE:
            return None
        if article.segmentation_attempts >= limit:
            if article.segmentation_status != Article.Segmentation.FAILED:
                logger.error("Segmentation of article %s given up after %s attempts",
                             article_id, article.segmentation_attempts)
                segmentation_fail(article_id=article_id, message=(
                    f"Gave up after {article.segmentation_attempts} attempts: none of them "
                    "finished, so the worker running it was probably stopped or killed (for "
                    "example for lack of memory). Retry once the cause is fixed."))
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


def segmentation_fail_time_limit(*, article_id: int) -> None:
    """Mark the article failed for running past CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT,
    whichever noticed it: the worker's soft time limit or the extractor's own budget."""
    limit = settings.CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT
    segmentation_fail(article_id=article_id,
                      message=f"Segmentation took longer than {limit} s and was stopped.")


def segmentation_run(*, article_id: int,
                     reraise: tuple[type[BaseException], ...] = ()) -> None:
    """Extract the article's claims and store them; safe to run twice or concurrently.

    An error the extractor raises marks the article failed with the message, unless it is one
    of `reraise`: those the caller (the task) handles itself, retrying or timing out. The
    extractor stops itself at the time limit on every backend (an eager task, a worker pool
    without soft time limits), which marks the article failed and says so.
    """
    from claims.extraction import ExtractionTimeout
    from claims.extractors import current_extractor

    article = segmentation_start(article_id=article_id)
    if article is None:
        return
    try:
        extractor = current_extractor()  # the active trained model, or the rules alone
        attributions = extractor.extract(
            article.text, time_limit=settings.CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT)
    except reraise:
        raise
    except ExtractionTimeout:
        logger.warning("Segmentation of article %s ran past its time limit", article_id)
        segmentation_fail_time_limit(article_id=article_id)
        return
    except Exception as exc:
        logger.exception("Segmentation of article %s failed", article_id)
        segmentation_fail(article_id=article_id, message=f"{type(exc).__name__}: {exc}")
        return
    claims_replace_machine(
        article_id=article_id, attributions=attributions, extractor_version=extractor.version
    )


def _claim_is_untouched_machine_output() -> Q:
    """The extractor's claim as it made it: no one edited it, judged it or was handed it (a
    lease), so it has no history, which is append-only and never deleted."""
    return Q(origin=Claim.Origin.MACHINE, edited_at__isnull=True, status=Claim.Status.OPEN,
             verdicts__isnull=True, leases__isnull=True)


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
        # the entity's short name ("Mayor Ada Quill", not "Mayor Ada Quill, who leads ...");
        # the kind only counts when the entity is new: an existing one keeps its own
        name = (attribution.source_name or attribution.resolved_source
                or attribution.source_text)
        key = (name, attribution.anonymous)
        if key not in source_cache:
            source_cache[key] = source_resolve(
                name=name, anonymous=attribution.anonymous, article_id=article_id,
                kind=_source_kind(attribution.source_kind),
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
    article_segmented.send(sender=Article, article_id=article_id)
    return created


def _source_kind(kind: str) -> str:
    return kind if kind in Source.Kind.values else Source.Kind.OTHER


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]

