"""Who reviews what: leases on claims handed out by /review/next/, and articles a lead assigned
to named reviewers. Services (every write, each recorded in LeaseChange/AssignmentChange) and
the selectors they share.

A claim needs CLAIMDESK_REVIEWS_PER_CLAIM current verdicts. /review/next/ hands it to at most
as many reviewers at a time as it still needs: its free slots are N minus its current verdicts
(`verdict_is_current`: a verdict on an earlier version does not count) minus the active leases
of other reviewers. A lease is active while not released and not expired; it lasts
CLAIMDESK_LEASE_SECONDS, is renewed while its reviewer works on the claim, and is released when
they save their verdict. An expired lease simply stops counting: the claim is back in the pool.

Concurrency: `lease_next` locks the claim it is about to lease (`select_for_update` with
`skip_locked`, so reviewers asking at the same moment spread over the claims instead of queuing
on one) and counts the claim's verdicts and leases again under the lock before granting, in a
fresh statement that sees every lease committed before the lock was taken. Verdicts are saved
under the same row lock (annotations.services), so the count cannot move while it is held. A
claim skipped because someone held its lock for a moment may still have a free slot: when
nothing could be leased but the pool is not empty, `lease_next` tries again, a bounded number
of times. On SQLite, which has no row locks, the IMMEDIATE transactions of the embedded
default serialise the writers instead.
"""

import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    IntegerField,
    Q,
    QuerySet,
)
from django.utils import timezone

from annotations import selectors
from annotations.access import REVIEWER
from annotations.models import Assignment, AssignmentChange, Lease, LeaseChange
from annotations.selectors import lease_active, takes_verdict_from, waiting_for
from claims.models import Article, Claim
from claims.prepared import Param, Prepared, numbered, params

# A lease is renewed when opened at least this long after it was last granted or renewed:
# opening panels in a row does not write a renewal each time.
RENEW_AFTER_SECONDS = 60
# When nothing could be leased but a claim with a free slot was skipped (its row lock held by
# another reviewer's request for a moment): this many more tries, RETRY_PAUSE apart at first.
RETRIES = 50
RETRY_PAUSE = 0.01


# --- Selectors ------------------------------------------------------------------------------
# The rules themselves (lease_active, the free slots, review_queue) are annotations.selectors'.
def assignment_current() -> Q:
    return Q(unassigned_at__isnull=True)


READING_ORDER = selectors.READING_ORDER


def claims_to_lease(*, reviewer, now=None) -> QuerySet[Claim]:
    """Claims waiting for the reviewer with a free review slot, in reading order across the
    desk (the oldest article first): selectors.review_queue, the one rule home counts too.
    /review/next/ looks for one in each of lease_scopes in turn."""
    return selectors.review_queue(reviewer=reviewer, now=now)


def lease_scopes(*, reviewer, prefer_article_id: int | None = None) -> list[tuple[int, ...]]:
    """Where /review/next/ looks for the next claim, in turn, the first claim found winning:
    the articles assigned to the reviewer (the one they left off in first), the article they
    left off in, then the whole desk; each in reading order. Each scope is the ids of its
    articles, () for the whole desk.

    One scope after the other rather than one query ordered by all of it: PostgreSQL follows
    the reading-order indexes and stops at the first claim that qualifies, where an ordering
    they cannot serve made it test every open claim of the desk on each request."""
    assigned = tuple(_ASSIGNED.rows(reviewer=reviewer.pk))
    preferred = [(prefer_article_id,)] if prefer_article_id is not None else []
    if prefer_article_id in assigned:
        return [*preferred, assigned, ()]
    return [*([assigned] if assigned else []), *preferred, ()]


# The selectors /review/next/ runs on every request, compiled once (claims.prepared): the
# rules as above, with Params for the reviewer, the time and the ids. The number of reviews a
# claim takes is read when the queryset is built, hence part of each one's shape.
def _reviewer() -> Param:
    return Param("reviewer", IntegerField())


def _now() -> Param:
    return Param("now", DateTimeField())


def _to_lease() -> QuerySet[Claim]:
    return claims_to_lease(reviewer=_reviewer(), now=_now())


def _candidate_build(per_claim: int, n_articles: int, n_full: int) -> QuerySet[Claim]:
    claims = _to_lease()
    if n_articles:
        # article__id, not article_id: a foreign key's IN takes values only, not Params.
        claims = claims.filter(article__id__in=params("article", n_articles, IntegerField()))
    if n_full:
        claims = claims.exclude(pk__in=params("full", n_full, IntegerField()))
    return claims.select_for_update(skip_locked=True, of=("self",))


_CANDIDATE = Prepared(_candidate_build)
_TO_LEASE_ONE = Prepared(lambda per_claim: _to_lease().filter(pk=Param("claim", IntegerField())))
_TO_LEASE_ANY = Prepared(lambda per_claim: _to_lease())
_ASSIGNED = Prepared(lambda: Assignment.objects.filter(assignment_current(), reviewer=_reviewer())
                     .values_list("article_id", flat=True))
_UNRELEASED = Prepared(lambda: Lease.objects.filter(released_at__isnull=True,
                                                    reviewer=_reviewer()))
_REVIEWER_LOCK = Prepared(lambda: get_user_model().objects.select_for_update().filter(
    pk=_reviewer()))


def verdict_slot_open(*, reviewer, claim_id: int, has_own_current_verdict: bool | None = None,
                      holds_lease: bool | None = None, now=None) -> bool:
    """May the reviewer save a verdict on the claim as far as exactly-N review goes
    (selectors.takes_verdict_from): they are changing their own current verdict, or hold the
    claim's lease, or its current verdicts and colleagues' active leases leave a slot. The
    verdict service refuses on it (ReviewsComplete) and the review panel shows its form on it,
    so the two cannot disagree. `has_own_current_verdict` and `holds_lease`: those answers,
    when the caller has read them already (a True one spares the query)."""
    if has_own_current_verdict or holds_lease:
        return True
    return Claim.objects.filter(
        takes_verdict_from(reviewer, now=now or timezone.now()), pk=claim_id).exists()


def lease_held(*, reviewer, claim_id: int, now=None) -> Lease | None:
    """The reviewer's active lease on the claim, if any."""
    return _HELD.first(reviewer=reviewer.pk, claim=claim_id, now=now or timezone.now())


_HELD = Prepared(lambda: Lease.objects.filter(
    lease_active(_now()), reviewer=_reviewer(), claim_id=Param("claim", IntegerField())))


def leases_unreleased(*, reviewer, claim_id: int, now=None) -> list[Lease]:
    """The reviewer's unreleased leases on the claim, locked, each with `active`
    (lease_active at `now`): a verdict's save reads them once, to know whether the reviewer
    holds the claim (verdict_slot_open) and then to release them (lease_release)."""
    return _UNRELEASED_ON.rows(reviewer=reviewer.pk, claim=claim_id, now=now or timezone.now())


_UNRELEASED_ON = Prepared(lambda: Lease.objects.select_for_update().filter(
    released_at__isnull=True, reviewer=_reviewer(), claim_id=Param("claim", IntegerField()))
    .annotate(active=ExpressionWrapper(lease_active(_now()), output_field=BooleanField())))


def reviewers_to_assign() -> QuerySet:
    """The users a lead can assign an article to: active members of the reviewer group."""
    return (get_user_model().objects.filter(groups__name=REVIEWER, is_active=True)
            .order_by("username").distinct())


def assigned_reviewer_ids(*, article_id: int) -> set[int]:
    return set(Assignment.objects.filter(assignment_current(), article_id=article_id)
               .values_list("reviewer_id", flat=True))


# --- Leases ---------------------------------------------------------------------------------
def _state(lease: Lease) -> dict:
    return {"claim_id": lease.claim_id, "reviewer_id": lease.reviewer_id,
            "expires_at": lease.expires_at.isoformat(),
            "released_at": lease.released_at.isoformat() if lease.released_at else None}


def _close(lease: Lease, *, now, actor, reason: str) -> None:
    """Release the lease, or record that it expired if it already had."""
    before = _state(lease)
    expired = lease.expires_at <= now
    lease.released_at = lease.expires_at if expired else now
    lease.save(update_fields=["released_at"])
    LeaseChange.objects.create(
        lease=lease, actor=actor, before=before, after=_state(lease), reason=reason,
        action=LeaseChange.Action.EXPIRE if expired else LeaseChange.Action.RELEASE)


def _extend(lease: Lease, *, now, actor, reason: str) -> None:
    before = _state(lease)
    lease.expires_at = now + timedelta(seconds=settings.CLAIMDESK_LEASE_SECONDS)
    lease.save(update_fields=["expires_at"])
    LeaseChange.objects.create(lease=lease, actor=actor, before=before, after=_state(lease),
                               action=LeaseChange.Action.RENEW, reason=reason)


def lease_next(*, reviewer, prefer_article_id: int | None = None) -> Claim | None:
    """Lease the reviewer the next claim (see claims_to_lease) and return it; the claim they
    already hold an active lease on, renewed, if they do; None when nothing is waiting."""
    for attempt in range(RETRIES + 1):
        claim = _lease_next_once(reviewer=reviewer, prefer_article_id=prefer_article_id)
        if claim is not None:
            return claim
        if not _TO_LEASE_ANY.exists(settings.CLAIMDESK_REVIEWS_PER_CLAIM, reviewer=reviewer.pk,
                                    now=timezone.now()):
            return None
        # A claim with a free slot was skipped while another request held its lock.
        time.sleep(RETRY_PAUSE * min(attempt + 1, 5))
    return None


@transaction.atomic
def _lease_next_once(*, reviewer, prefer_article_id: int | None) -> Claim | None:
    now = timezone.now()
    per_claim = settings.CLAIMDESK_REVIEWS_PER_CLAIM
    # One request of a reviewer at a time: two tabs asking at once get the same claim.
    _REVIEWER_LOCK.exists(reviewer=reviewer.pk)
    for lease in _UNRELEASED.rows(reviewer=reviewer.pk):
        still_waiting = Claim.objects.filter(waiting_for(reviewer), pk=lease.claim_id).exists()
        if lease.expires_at > now and still_waiting:
            _extend(lease, now=now, actor=reviewer, reason="asked for the next claim again")
            return lease.claim
        _close(lease, now=now, actor=reviewer,
               reason="expired" if lease.expires_at <= now else "no longer waiting for you")
    full: list[int] = []
    for articles in lease_scopes(reviewer=reviewer, prefer_article_id=prefer_article_id):
        while True:
            claim = _CANDIDATE.first(per_claim, len(articles), len(full), reviewer=reviewer.pk,
                                     now=now, **numbered("article", articles),
                                     **numbered("full", full))
            if claim is None:
                break
            # Counted again now the row is locked: this statement sees every lease and verdict
            # committed before the lock was ours, which the candidates' statement may not have.
            if _TO_LEASE_ONE.exists(per_claim, reviewer=reviewer.pk, now=now, claim=claim.pk):
                lease = Lease.objects.create(
                    claim=claim, reviewer=reviewer,
                    expires_at=now + timedelta(seconds=settings.CLAIMDESK_LEASE_SECONDS))
                LeaseChange.objects.create(lease=lease, actor=reviewer, after=_state(lease),
                                           action=LeaseChange.Action.GRANT)
                return claim
            full.append(claim.pk)
    return None


def lease_renew(*, reviewer, claim_id: int) -> Lease | None:
    """Renew the reviewer's active lease on the claim while they work on it (at most once a
    RENEW_AFTER_SECONDS); the lease, or None if they hold none on it. One query when there is
    nothing to renew: every panel a reviewer opens asks."""
    now = timezone.now()
    lease = lease_held(reviewer=reviewer, claim_id=claim_id, now=now)
    if lease is None:
        return None
    last_granted = lease.expires_at - timedelta(seconds=settings.CLAIMDESK_LEASE_SECONDS)
    if (now - last_granted).total_seconds() < RENEW_AFTER_SECONDS:
        return lease
    with transaction.atomic():
        lease = Lease.objects.select_for_update().filter(lease_active(now), pk=lease.pk).first()
        if lease is not None:
            _extend(lease, now=now, actor=reviewer, reason="working on the claim")
    return lease


@transaction.atomic(savepoint=False)  # verdict_submit calls it inside its transaction
def lease_release(*, reviewer, claim_id: int, reason: str,
                  leases: Iterable[Lease] | None = None) -> None:
    """Release the reviewer's lease on the claim (if any): the slot goes back to the pool.
    `leases`: the caller's leases_unreleased of this transaction, if it read them."""
    now = timezone.now()
    if leases is None:
        leases = Lease.objects.select_for_update().filter(
            released_at__isnull=True, reviewer=reviewer, claim_id=claim_id)
    for lease in leases:
        _close(lease, now=now, actor=reviewer, reason=reason)


# --- Assignments ----------------------------------------------------------------------------
def _assignment_state(assignment: Assignment) -> dict:
    return {"article_id": assignment.article_id, "reviewer_id": assignment.reviewer_id,
            "unassigned_at": (assignment.unassigned_at.isoformat()
                              if assignment.unassigned_at else None)}


def _unassign(assignment: Assignment, *, now, actor, reason: str) -> None:
    before = _assignment_state(assignment)
    assignment.unassigned_at = now
    assignment.save(update_fields=["unassigned_at"])
    AssignmentChange.objects.create(
        assignment=assignment, actor=actor, before=before, after=_assignment_state(assignment),
        action=AssignmentChange.Action.UNASSIGN, reason=reason)


@transaction.atomic
def assignments_set(*, article: Article, reviewers: Iterable, actor, reason: str = ""
                    ) -> tuple[list, list]:
    """Make `reviewers` exactly the reviewers assigned to the article: assign the new ones,
    unassign the others (kept, with unassigned_at). The assigned and unassigned users."""
    Article.objects.select_for_update().filter(pk=article.pk).exists()
    wanted = {user.pk: user for user in reviewers}
    current = {a.reviewer_id: a for a in Assignment.objects.select_related("reviewer").filter(
        assignment_current(), article=article)}
    now = timezone.now()
    removed = []
    for reviewer_id, assignment in current.items():
        if reviewer_id not in wanted:
            _unassign(assignment, now=now, actor=actor, reason=reason)
            removed.append(assignment.reviewer)
    added = []
    for reviewer_id, user in wanted.items():
        if reviewer_id not in current:
            assignment = Assignment.objects.create(article=article, reviewer=user,
                                                   assigned_by=actor)
            AssignmentChange.objects.create(
                assignment=assignment, actor=actor, after=_assignment_state(assignment),
                action=AssignmentChange.Action.ASSIGN, reason=reason)
            added.append(user)
    return added, removed


# --- A reviewer leaving the desk -------------------------------------------------------------
@transaction.atomic(savepoint=False)  # user_roles_set calls it inside its transaction
def reviewer_work_withdraw(*, reviewer, actor, reason: str = "",
                           cause: str = "account deactivated") -> None:
    """Release every lease the reviewer holds (recorded as a release, or as an expiry for one
    that had run out, as when they ask again) and unassign every article assigned to them:
    their claims go back to the pool at once; both are recorded with `cause` and the reason.
    Run when they stop reviewing (their account is deactivated, or they lose every role that
    lets them review): claims.services.user_roles_set calls it through
    settings.CLAIMDESK_USER_STOPS_REVIEWING, since claims never imports annotations."""
    now = timezone.now()
    why = f"{cause}: {reason}" if reason else cause
    why = why[:LeaseChange._meta.get_field("reason").max_length]
    for lease in Lease.objects.select_for_update().filter(released_at__isnull=True,
                                                          reviewer=reviewer):
        _close(lease, now=now, actor=actor, reason=why)
    for assignment in Assignment.objects.select_for_update().filter(assignment_current(),
                                                                    reviewer=reviewer):
        _unassign(assignment, now=now, actor=actor, reason=why)
