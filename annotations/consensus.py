"""Consensus and adjudication: how a claim's verdicts become the desk's answer.

The rules, each defined once here:

- settled: a reviewable claim with at least CLAIMDESK_REVIEWS_PER_CLAIM current verdicts
  (`annotations.selectors.verdict_is_current`: a verdict on an earlier version of the claim
  does not count) that all give the same label (`consensus_annotations`);
- agreed: settled on one label, so its final verdict is set automatically (provenance
  unanimous) by `consensus_settle`, which verdict_submit calls after every save;
- needs adjudication: settled on more than one label (`claims_needing_adjudication`); a lead
  records the final label with a reason (`final_verdict_adjudicate`, provenance adjudicated).

A final verdict puts its claim's status to final (claims.services.claim_finalise), which takes
it out of review (`is_reviewable`); a lead can reopen it (`final_verdict_reopen`). Every set
and reopen is recorded in FinalVerdictChange; the FinalVerdict row exists only while the claim
is final.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotations import access, webhooks
from annotations.models import FinalVerdict, FinalVerdictChange, Verdict
from annotations.selectors import (
    current_verdicts_on,
    is_reviewable,
    verdict_is_current,
    verdicts_complete,
)
from claims import services as claim_services
from claims.models import Claim, Span
from claims.prepared import Param, Prepared
from claims.selectors import (
    article_is_live,
    claim_texts_covered,
    claims_prefetch_covered_texts,
)

REASON_TEXT_REQUIRED = (FinalVerdict.Reason.GUIDELINE_GAP,)
MAX_REASON_CHARS = 2000


class StaleAdjudication(ValidationError):
    """The claim was decided, or its verdicts changed, since the lead's page showed them."""


# --- The rules ------------------------------------------------------------------------------
def reviews_per_claim() -> int:
    return settings.CLAIMDESK_REVIEWS_PER_CLAIM


def _current_verdicts_count(expression) -> Coalesce:
    current = (current_verdicts_on().order_by()
               .values("claim").annotate(n=expression).values("n"))
    return Coalesce(Subquery(current, output_field=IntegerField()), 0)


def consensus_annotations() -> dict:
    """On a Claim queryset: n_current (current verdicts), n_labels (distinct labels among
    them) and reopened (a lead took back a final verdict of it: a lead decides it again)."""
    return {
        "n_current": _current_verdicts_count(Count("id")),
        "n_labels": _current_verdicts_count(Count("label", distinct=True)),
        "reopened": Exists(FinalVerdictChange.objects.filter(
            claim=OuterRef("pk"), action=FinalVerdictChange.Action.REOPEN)),
    }


def _settled() -> Q:
    return is_reviewable() & verdicts_complete(F("n_current"))


def agreed() -> Q:
    """On a queryset with consensus_annotations: its final verdict can be set unanimously
    (never again for a reopened claim: its unanimous answer was put in doubt by a lead)."""
    return _settled() & Q(n_labels=1, reopened=False)


def disagreed() -> Q:
    """On a queryset with consensus_annotations: a lead must decide (the reviewers disagree,
    or a lead reopened the claim's final verdict)."""
    return _settled() & (Q(n_labels__gt=1) | Q(reopened=True))


def claims_needing_adjudication() -> QuerySet[Claim]:
    return Claim.objects.annotate(**consensus_annotations()).filter(disagreed())


def verdicts_token(*, claim_id: int) -> str:
    """What the lead's page showed of the claim's current verdicts: the claim's
    attribution_version and each current verdict's id and revision. An adjudication carries
    it back; if it no longer matches, the verdicts changed in between."""
    version = Claim.objects.values_list("attribution_version", flat=True).get(pk=claim_id)
    rows = (Verdict.objects.filter(verdict_is_current(), claim_id=claim_id)
            .values_list("id", "revision"))
    return _token(version, rows)


def _token(attribution_version: int, verdicts) -> str:
    return f"{attribution_version}:" + ",".join(
        f"{pk}.{revision}" for pk, revision in sorted(verdicts))


# --- Services -------------------------------------------------------------------------------
def _state(final: FinalVerdict) -> dict:
    return {"label": final.label, "provenance": final.provenance,
            "reason_code": final.reason_code, "reason": final.reason,
            "decided_by": final.decided_by_id, "claim_version": final.claim_version}


def _final_verdict_set(*, claim: Claim, label: str, actor, reason_code: str = "",
                       reason: str = "") -> FinalVerdict:
    claim = claim_services.claim_finalise(claim=claim, actor=actor)
    adjudicated = actor is not None
    final = FinalVerdict.objects.create(
        claim=claim, label=label, reason_code=reason_code, reason=reason, decided_by=actor,
        decided_at=timezone.now(), claim_version=claim.attribution_version,
        provenance=(FinalVerdict.Provenance.ADJUDICATED if adjudicated
                    else FinalVerdict.Provenance.UNANIMOUS))
    FinalVerdictChange.objects.create(
        claim=claim, actor=actor, before={}, after=_state(final), reason_code=reason_code,
        reason=reason, action=(FinalVerdictChange.Action.ADJUDICATE if adjudicated
                               else FinalVerdictChange.Action.FINALISE))
    webhooks.claim_finalised(final=final)
    return final


# Asked after every verdict saved: compiled once (claims.prepared); the number of reviews a
# claim takes is read when it is built, hence its shape.
_AGREED = Prepared(lambda per_claim: Claim.objects.annotate(**consensus_annotations()).filter(
    agreed(), pk=Param("claim", IntegerField())))


@transaction.atomic(savepoint=False)  # called inside verdict_submit's transaction: no need
def consensus_settle(*, claim_id: int, locked: Claim | None = None) -> FinalVerdict | None:
    """Set the claim's final verdict (unanimous) if its current verdicts now agree; else
    leave it (if they disagree, claims_needing_adjudication lists it). `locked`: the claim,
    if the caller read it under its row lock in this transaction (verdict_submit does)."""
    claim = locked if locked is not None else Claim.objects.select_for_update().get(pk=claim_id)
    if not _AGREED.exists(reviews_per_claim(), claim=claim_id):
        return None
    label = (Verdict.objects.filter(verdict_is_current(), claim_id=claim_id)
             .values_list("label", flat=True).first())
    return _final_verdict_set(claim=claim, label=label, actor=None)


def adjudication_clean(*, label: str, reason_code: str, reason: str) -> str:
    """The reason text, stripped; ValidationError naming what is wrong with the input."""
    if label not in Verdict.Label.values:
        raise ValidationError(f"Unknown label {label!r}: use confirmed, contested or "
                              "unverifiable.")
    if reason_code not in FinalVerdict.Reason.values:
        raise ValidationError("Pick a reason: reviewer error, ambiguous evidence, new evidence "
                              "or guideline gap.")
    reason = (reason or "").strip()
    if reason_code in REASON_TEXT_REQUIRED and not reason:
        raise ValidationError(f"Say which gap in the guidelines this is: the reason "
                              f"“{FinalVerdict.Reason(reason_code).label}” needs an "
                              "explanation.")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(f"The explanation is too long: at most {MAX_REASON_CHARS} "
                              "characters.")
    return reason


@transaction.atomic
def final_verdict_adjudicate(*, claim: Claim, lead, label: str, reason_code: str,
                             reason: str = "", token: str) -> FinalVerdict:
    """A lead's final verdict on a claim whose reviewers disagree. `token` is the
    verdicts_token the lead's page showed: if the claim was decided or its verdicts changed
    since, StaleAdjudication is raised and nothing is saved."""
    reason = adjudication_clean(label=label, reason_code=reason_code, reason=reason)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status == Claim.Status.FINAL:
        raise StaleAdjudication("This claim already has a final verdict (decided since you "
                                "opened the page); yours was not saved. Reload to see it.")
    if not claims_needing_adjudication().filter(pk=claim.pk).exists():
        raise StaleAdjudication("This claim no longer needs adjudication (its verdicts or its "
                                "status changed since you opened the page); yours was not "
                                "saved. Reload to see it as it is now.")
    if token != verdicts_token(claim_id=claim.pk):
        raise StaleAdjudication("The reviewers' verdicts on this claim changed since you opened "
                                "the page; your decision was not saved. Reload and look at "
                                "them again.")
    return _final_verdict_set(claim=claim, label=label, actor=lead, reason_code=reason_code,
                              reason=reason)


@transaction.atomic
def final_verdict_reopen(*, claim: Claim, lead, reason: str) -> Claim:
    """Take back a claim's final verdict: the claim is open again and back in the leads'
    disagreement queue (its verdicts no longer settle it by themselves). The reason is
    required and recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the final verdict is reopened.")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(f"The reason is too long: at most {MAX_REASON_CHARS} characters.")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    final = FinalVerdict.objects.filter(claim=claim).first()
    if claim.status != Claim.Status.FINAL or final is None:
        raise StaleAdjudication("This claim has no final verdict to reopen (it may have been "
                                "reopened already); nothing was changed.")
    previous = _state(final)
    FinalVerdictChange.objects.create(claim=claim, actor=lead, before=previous, after={},
                                      action=FinalVerdictChange.Action.REOPEN, reason=reason)
    final.delete()
    claim = claim_services.claim_reopen(claim=claim, actor=lead)
    webhooks.claim_reopened(claim=claim, previous=previous, reason=reason)
    return claim


# --- Read models and selectors --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VerdictSideBySide:
    reviewer: str
    label: str
    label_display: str
    rationale: str
    evidence_links: tuple[str, ...]
    source_correct: bool | None
    content_correct: bool | None
    revision: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Reopening:
    """Why a claim needing adjudication is back: the final verdict a lead took back (its label,
    who set it, None for the reviewers' unanimous answer, and when) and the reopening (who,
    when, why)."""

    previous_label_display: str
    previous_provenance_display: str
    previous_decided_by: str  # "" when the verdicts set it unanimously
    previous_decided_at: datetime | None
    reopened_by: str
    reopened_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A claim needing adjudication, as written, with every current verdict on it, and its
    latest reopening if a lead reopened its final verdict."""

    claim_id: int
    article_id: int
    article_title: str
    source_name: str
    source_text: str
    cue_text: str
    content_text: str
    verdicts: tuple[VerdictSideBySide, ...]
    token: str
    url: str
    reopened: Reopening | None = None


@dataclass(frozen=True, slots=True)
class FinalVerdictShown:
    claim_id: int
    label: str
    label_display: str
    provenance: str
    provenance_display: str
    reason_code_display: str
    reason: str
    decided_by: str
    decided_at: datetime
    content_text: str
    url: str


def disagreements(*, claims: QuerySet[Claim] | None = None) -> list[Disagreement]:
    """The claims (default: all needing adjudication, oldest article first, in reading order)
    with their words, current verdicts and latest reopening: six queries whatever their
    number."""
    claims = claims_needing_adjudication() if claims is None else claims
    rows = (claims.select_related("source", "article").defer("article__text")
            .prefetch_related(claims_prefetch_covered_texts(), Prefetch(
                "verdicts", to_attr="current_verdicts",
                queryset=Verdict.objects.filter(verdict_is_current())
                .select_related("reviewer").order_by("created_at", "id")), Prefetch(
                "final_verdict_changes", to_attr="final_changes",
                queryset=FinalVerdictChange.objects.select_related("actor")
                .order_by("at", "id")))
            .order_by("article__created_at", "article_id", "position", "id"))
    result = []
    for claim in rows:
        words = claim_texts_covered(claim)
        verdicts = tuple(VerdictSideBySide(
            reviewer=v.reviewer.get_username(), label=v.label,
            label_display=v.get_label_display(), rationale=v.rationale,
            evidence_links=tuple(v.evidence_links), source_correct=v.source_correct,
            content_correct=v.content_correct, revision=v.revision, updated_at=v.updated_at)
            for v in claim.current_verdicts)
        token = _token(claim.attribution_version,
                       [(v.pk, v.revision) for v in claim.current_verdicts])
        result.append(Disagreement(
            claim_id=claim.pk, article_id=claim.article_id, article_title=claim.article.title,
            source_name=claim.source.name if claim.source else "", token=token,
            url=claim.get_absolute_url(), verdicts=verdicts, source_text=words["source"],
            cue_text=words["cue"], content_text=words["content"],
            reopened=_latest_reopening(claim.final_changes)))
    return result


def _latest_reopening(changes: list[FinalVerdictChange]) -> Reopening | None:
    """The last reopening among a claim's final-verdict changes (oldest first) and the final
    verdict it took back: the state it recorded, set by the last change before it."""
    reopens = [i for i, c in enumerate(changes) if c.action == FinalVerdictChange.Action.REOPEN]
    if not reopens:
        return None
    i = reopens[-1]
    reopen = changes[i]
    set_by = next((c for c in reversed(changes[:i])
                   if c.action != FinalVerdictChange.Action.REOPEN), None)
    before = reopen.before or {}
    label, provenance = before.get("label", ""), before.get("provenance", "")
    return Reopening(
        previous_label_display=(Verdict.Label(label).label if label in Verdict.Label.values
                                else label),
        previous_provenance_display=(FinalVerdict.Provenance(provenance).label
                                     if provenance in FinalVerdict.Provenance.values
                                     else provenance),
        previous_decided_by=(set_by.actor.get_username()
                             if set_by is not None and set_by.actor is not None else ""),
        previous_decided_at=set_by.at if set_by is not None else None,
        reopened_by=reopen.actor.get_username() if reopen.actor is not None else "",
        reopened_at=reopen.at, reason=reopen.reason)


def recently_decided(*, limit: int = 20) -> list[FinalVerdictShown]:
    """The latest final verdicts, newest first."""
    finals = (FinalVerdict.objects.filter(article_is_live("claim__article__"))
              .select_related("decided_by", "claim")
              .prefetch_related(claims_prefetch_covered_texts("claim__spans",
                                                              roles=[Span.Role.CONTENT]))
              .order_by("-decided_at", "-id")[:limit])
    return [_shown(final, content_text=claim_texts_covered(final.claim)["content"])
            for final in finals]


def final_verdict_of(*, claim_id: int) -> FinalVerdictShown | None:
    final = (FinalVerdict.objects.select_related("decided_by", "claim")
             .filter(claim_id=claim_id).first())
    return _shown(final) if final is not None else None


def final_verdict_shown_to(user, *, claim) -> FinalVerdictShown | None:
    """The final verdict of a claim (a ClaimForReview) as `user` may see it: blind review
    applies, since it tells what the reviewers said."""
    if not access.final_verdict_visible(user, status=claim.status,
                                        has_own_current_verdict=claim.reviewed_by_me):
        return None
    return final_verdict_of(claim_id=claim.id)


def _shown(final: FinalVerdict, *, content_text: str = "") -> FinalVerdictShown:
    return FinalVerdictShown(
        claim_id=final.claim_id, label=final.label, label_display=final.get_label_display(),
        provenance=final.provenance, provenance_display=final.get_provenance_display(),
        reason_code_display=final.get_reason_code_display() if final.reason_code else "",
        reason=final.reason,
        decided_by=final.decided_by.get_username() if final.decided_by else "",
        decided_at=final.decided_at, content_text=content_text,
        url=final.claim.get_absolute_url())
