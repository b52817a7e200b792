"""Claims as data: creating them, and every edit a reviewer makes to one."""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import Truncator

from claims.models import Article, Claim, ClaimChange, Source, Span
from claims.selectors import claim_spans_by_role
from claims.services.sources import source_merge, source_resolve
from claims.spans import SpanList, spans_clean, spans_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


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
    _require_parts(spans, article.text)
    if kind not in Claim.Kind.values:
        raise ValidationError(f"Unknown claim kind {kind!r}.")
    if confidence is not None and not 0 <= confidence <= 1:
        raise ValidationError("Confidence must lie between 0 and 1.")
    claim = Claim.objects.create(
        article=article, source=source, kind=kind, origin=origin, confidence=confidence,
        position=_position(spans),
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


def _position(spans: dict[str, SpanList]) -> int:
    """Where the claim starts in the text: the start of its first span."""
    return min(start for role_spans in spans.values() for start, _ in role_spans)


def _require_parts(spans: dict[str, SpanList], text: str) -> None:
    """A claim has a cue and content, and its source, cue and content share no text."""
    if not spans[Span.Role.CUE]:
        raise ValidationError("A claim needs a cue (the reporting verb or phrase).")
    if not spans[Span.Role.CONTENT]:
        raise ValidationError("A claim needs content (what is claimed).")
    # sorted by start, two spans of any roles overlap only if two neighbours do
    ordered = sorted((start, end, role) for role, role_spans in spans.items()
                     for start, end in role_spans)
    for (_, end, first), (start, end2, second) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            shared = Truncator(text[start:min(end, end2)].strip()).chars(60)
            raise ValidationError(
                f"The {first} and the {second} overlap (both hold “{shared}”): a claim's "
                f"source, cue and content must not share text.")


def _spans_json(spans: dict[str, SpanList]) -> dict[str, list[list[int]]]:
    return {role: [list(span) for span in role_spans] for role, role_spans in spans.items()}


# Every edit a reviewer makes to a claim: locked, checked against the version the reviewer saw,
# recorded in ClaimChange, and marked edited so that re-segmentation leaves the claim alone.
# Re-sending an edit that is already in place (a double click) changes nothing.
class StaleClaim(ValidationError):
    """The claim changed since the reviewer's page showed it: applying the edit could undo
    someone else's."""


def _claim_lock(*, claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("article").get(pk=claim.pk)


def _claim_require_open_to_edits(claim: Claim) -> None:
    """A final claim's wording is what its final verdict judged: it is frozen until a lead
    reopens it (editing it would leave the desk's answer about other words)."""
    if claim.status == Claim.Status.FINAL:
        raise ValidationError("This claim has its final verdict: a lead must reopen it before "
                              "it is changed. Nothing was changed.")


def _claim_check_version(claim: Claim, expected_version: int | None) -> None:
    if expected_version is not None and claim.version != expected_version:
        raise StaleClaim(
            "This claim was changed elsewhere since you opened it "
            f"(now version {claim.version}, you saw {expected_version}). "
            "Reload to see the current claim; your edit was not applied."
        )


def _claim_record(*, claim: Claim, actor, action: str, before: dict, after: dict,
                  fields: tuple[str, ...] = (), attribution_changed: bool = False) -> Claim:
    """Bump the claim's version (and its attribution_version when what it says changed, which
    puts earlier verdicts out of date), save `fields` and record the change."""
    claim.version += 1
    claim.edited_at = timezone.now()
    fields = (*fields, "version", "edited_at")
    if attribution_changed:
        claim.attribution_version += 1
        fields = (*fields, "attribution_version")
    claim.save(update_fields=fields)
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
    _claim_require_open_to_edits(claim)
    text = claim.article.text
    cleaned = spans_clean(spans, text_length=len(text), field=role)
    current = claim_spans_by_role(claim)
    if current[role] == cleaned:
        return claim
    _claim_check_version(claim, expected_version)
    _require_parts({**current, role: cleaned}, text)
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
    claim.position = _position({**current, role: cleaned})
    fields = (*fields, "position")
    claim.spans.filter(role=role).delete()
    Span.objects.bulk_create(Span(claim=claim, role=role, start=start, end=end)
                             for start, end in cleaned)
    return _claim_record(claim=claim, actor=actor, action=ClaimChange.Action.EDIT_SPANS,
                         before=before, after=after, fields=fields, attribution_changed=True)


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
    """Mark the claim "not a claim": it leaves the review queue; its verdicts are kept. A
    final claim must be reopened first."""
    _claim_require_open_to_edits(_claim_lock(claim=claim))
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
def claim_finalise(*, claim: Claim, actor) -> Claim:
    """Mark an open claim final: its verdict is decided, so it leaves the review queue. The
    caller records the decision itself; a claim that is not open is left as it is."""
    return _claim_status_set(claim=claim, status=Claim.Status.FINAL,
                             action=ClaimChange.Action.FINALISE, actor=actor,
                             expected_version=None, only_from=Claim.Status.OPEN)


@transaction.atomic
def claim_reopen(*, claim: Claim, actor) -> Claim:
    """Undo claim_finalise: the claim takes verdicts again. A claim that is not final is left
    as it is."""
    return _claim_status_set(claim=claim, status=Claim.Status.OPEN,
                             action=ClaimChange.Action.REOPEN, actor=actor,
                             expected_version=None, only_from=Claim.Status.FINAL)


@transaction.atomic
def claim_source_set(*, claim: Claim, source: Source, actor,
                     expected_version: int | None) -> Claim:
    """Point this one claim at another source entity."""
    claim = _claim_lock(claim=claim)
    _claim_require_open_to_edits(claim)
    if claim.source_id == source.pk:
        return claim
    _claim_check_version(claim, expected_version)
    before = {"source_id": claim.source_id}
    claim.source = source
    return _claim_record(claim=claim, actor=actor, action=ClaimChange.Action.SET_SOURCE,
                         before=before, after={"source_id": source.pk}, fields=("source",),
                         attribution_changed=True)


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
    source_merge(source=old, into=into, actor=actor)
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
