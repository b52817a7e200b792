"""Every "may this user do this to this object" decision of the reviewing side.

Views, the admin and the API call these, never `user.is_staff` checks of their own
(after Zulip's access_*_by_id helpers). `access_*_by_id` return the object or raise: 404 when
the object does not exist or is not visible to the user, 403 when it is visible but the action
is not allowed. Querysets a user may see are scoped here too, so no page, response or export
shows more than this module allows.

Blind review: until a reviewer has submitted their own current verdict on a claim they see no
one else's (`may_see_others_verdicts`); leads see everything, and only leads see who gave a
verdict (`may_see_reviewer_names`). CLAIMDESK_BLIND_FOREVER keeps reviewers blind for good.
"""

import operator
from functools import reduce

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, Q, QuerySet
from django.http import Http404

from annotations.models import Verdict, Webhook, WebhookDelivery
from annotations.selectors import reviewed_by
from claims.access import (
    LEAD,
    REVIEWER,
    can_delete_articles,
    can_edit_claims,
    can_manage_sources,
    can_requeue_segmentation,
    can_submit_articles,
    is_desk_member,
    is_lead,
    member_required,
    roles_of,
)
from claims.models import Article, Claim, Source
from claims.prepared import Param, Prepared
from claims.selectors import article_is_live, articles_live

__all__ = [
    "LEAD",
    "REVIEWER",
    "BlindRules",
    "access_article_by_id",
    "access_claim_by_id",
    "access_webhook_by_id",
    "access_webhook_delivery_by_uuid",
    "articles_visible_to",
    "can_delete_articles",
    "can_edit_claims",
    "can_manage_sources",
    "can_requeue_segmentation",
    "can_lead",
    "can_review",
    "can_submit_articles",
    "claims_visible_to",
    "final_verdict_visible",
    "is_desk_member",
    "is_lead",
    "may_see_desk_progress",
    "may_see_full_history",
    "may_see_others_verdicts",
    "may_see_reviewer_names",
    "member_required",
    "require",
    "require_lead",
    "roles_of",
    "sources_visible_to",
    "verdicts_visible_to",
]


def can_review(user) -> bool:
    """Give verdicts on claims."""
    return is_desk_member(user)


def can_lead(user) -> bool:
    """Assign, adjudicate, reopen, see every verdict, the agreement figures and the dashboard."""
    return is_lead(user)


def may_see_others_verdicts(user, *, has_own_current_verdict: bool) -> bool:
    """Blind review: a reviewer sees colleagues' verdicts on a claim only after submitting
    their own on its current version (never, with CLAIMDESK_BLIND_FOREVER); leads always."""
    if is_lead(user):
        return True
    return has_own_current_verdict and not settings.CLAIMDESK_BLIND_FOREVER


def final_verdict_visible(user, *, status: str, has_own_current_verdict: bool) -> bool:
    """Whether `user` may see the final verdict of a claim with this status: blind review
    applies (it tells what the reviewers said). Pages, the API and exports ask this."""
    return status == Claim.Status.FINAL and may_see_others_verdicts(
        user, has_own_current_verdict=has_own_current_verdict)


def may_see_desk_progress(user) -> bool:
    """How many claims anyone has reviewed (the article list's "Reviewed" column and stages):
    it tells of colleagues' verdicts, so leads only."""
    return is_lead(user)


def may_see_full_history(user) -> bool:
    """A claim's whole record (every verdict revision, final verdicts, leases): leads."""
    return is_lead(user)


def may_see_reviewer_names(user) -> bool:
    """Who gave which verdict, and who changed what in a history: leads only."""
    return is_lead(user)


def require(allowed: bool, message: str = "You are not allowed to do this.") -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_lead(user) -> None:
    require(is_lead(user), "This page is for the desk's leads.")


def articles_visible_to(user) -> QuerySet[Article]:
    """Deleted articles are seen in the admin only (see claims.selectors.article_is_live)."""
    return _articles_visible(member=is_desk_member(user))


def _articles_visible(*, member: bool) -> QuerySet[Article]:
    return articles_live() if member else Article.objects.none()


def claims_visible_to(user) -> QuerySet[Claim]:
    return _claims_visible(member=is_desk_member(user))


def _claims_visible(*, member: bool) -> QuerySet[Claim]:
    if not member:
        return Claim.objects.none()
    return Claim.objects.filter(article_is_live("article__"))


def verdicts_visible_to(user) -> QuerySet[Verdict]:
    """Verdicts on the claims of live articles that blind review lets `user` see: their own,
    and colleagues' where they may see them (BlindRules)."""
    if not is_desk_member(user):
        return Verdict.objects.none()
    others = BlindRules(user).others_verdicts_condition(claim="claim")
    return Verdict.objects.filter(article_is_live("claim__article__")).filter(
        Q(reviewer=user) | others)


def sources_visible_to(user) -> QuerySet[Source]:
    """Source entities are the desk's shared list: every member sees them all."""
    return Source.objects.all() if is_desk_member(user) else Source.objects.none()


# Conditions that hold for every row and for none (an empty Q() would vanish from an OR).
EVERYWHERE = Q(pk__isnull=False)
NOWHERE = Q(pk__in=[])


class BlindRules:
    """One user's answers to the blind-review rules, asked once per request or export instead
    of once per claim: they depend on the user, the claim's status and whether the user has
    their own current verdict on it, nothing else. `sees_*` answer for one claim read into
    Python; `*_condition` are the same answers as query conditions, for lists that must be
    narrowed in the database before they are paginated."""

    def __init__(self, user):
        self.user = user
        self.id = user.pk
        self.show_names = may_see_reviewer_names(user)
        self._see_others = {own: may_see_others_verdicts(user, has_own_current_verdict=own)
                            for own in (False, True)}
        self._final = {(status, own): final_verdict_visible(
            user, status=status, has_own_current_verdict=own)
            for status in Claim.Status.values for own in (False, True)}

    def sees_others(self, *, own_current: bool) -> bool:
        return self._see_others[own_current]

    def sees_final(self, *, status: str, own_current: bool) -> bool:
        return self._final[(status, own_current)]

    def _where(self, answer, *, claim: str) -> Q:
        """`answer(own_current)` as a condition on rows whose claim id is `claim` ("pk" on
        claims, "claim" on verdicts)."""
        with_own, without_own = answer(True), answer(False)
        if with_own and without_own:
            return EVERYWHERE
        own = Q(reviewed_by(self.user, claim=claim))
        if with_own:
            return own
        return ~own if without_own else NOWHERE

    def others_verdicts_condition(self, *, claim: str = "pk") -> Q:
        """The claims (or rows of claims) on which the user may see colleagues' verdicts."""
        return self._where(lambda own: self.sees_others(own_current=own), claim=claim)

    def final_verdict_condition(self, *, claim: str = "pk") -> Q:
        """The claims (or rows of claims) whose final verdict, if any, the user may see."""
        status = "status" if claim == "pk" else f"{claim}__status"
        shown = [Q(**{status: value}) & where for value in Claim.Status.values
                 if (where := self._where(
                     lambda own, value=value: self.sees_final(status=value, own_current=own),
                     claim=claim)) is not NOWHERE]
        return reduce(operator.or_, shown) if shown else NOWHERE


# Every review request asks one of these two: compiled once (claims.prepared).
def _article_by_id_build(member: bool, with_text: bool) -> QuerySet[Article]:
    articles = _articles_visible(member=member)
    return (articles if with_text else articles.defer("text")).filter(
        pk=Param("article", IntegerField()))


_ARTICLE_BY_ID = Prepared(_article_by_id_build)
_CLAIM_BY_ID = Prepared(lambda member: _claims_visible(member=member).select_related("article")
                        .filter(pk=Param("claim", IntegerField())))


def access_article_by_id(user, article_id: int, *, with_text: bool = True) -> Article:
    article = _ARTICLE_BY_ID.first(is_desk_member(user), with_text, article=article_id)
    if article is None:
        raise Http404("No such article.")
    return article


def access_claim_by_id(user, claim_id: int, *, for_edit: bool = False) -> Claim:
    """The claim with its article; for_edit also requires the right to fix claims."""
    claim = _CLAIM_BY_ID.first(is_desk_member(user), claim=claim_id)
    if claim is None:
        raise Http404("No such claim: it may have been removed when its article was "
                      "segmented again.")
    if for_edit:
        require(can_edit_claims(user), "You may not change this claim.")
    return claim


def access_webhook_by_id(user, webhook_id: int) -> Webhook:
    """Webhooks are the leads' (they send the desk's decisions out): 403 for anyone else."""
    require_lead(user)
    webhook = Webhook.objects.filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404("No such webhook: it may have been deleted.")
    return webhook


def access_webhook_delivery_by_uuid(user, delivery_uuid) -> WebhookDelivery:
    """A delivery with its webhook, as access_webhook_by_id: the leads'."""
    require_lead(user)
    delivery = (WebhookDelivery.objects.select_related("webhook").defer("body")
                .filter(uuid=delivery_uuid).first())
    if delivery is None:
        raise Http404("No such delivery: its webhook may have been deleted.")
    return delivery
