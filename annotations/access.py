"""Every "may this user do this to this object" decision of the reviewing side.

Views, the admin and the API call these, never `user.is_staff` checks of their own
(after Zulip's access_*_by_id helpers). `access_*_by_id` return the object or raise: 404 when
the object does not exist or is not visible to the user, 403 when it is visible but the action
is not allowed. Querysets a user may see are scoped here too, so no page, response or export
shows more than this module allows. Today every desk member may do everything; roles and blind
review change this module only.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from claims.access import (
    can_edit_claims,
    can_manage_sources,
    can_requeue_segmentation,
    can_submit_articles,
    is_desk_member,
)
from claims.models import Article, Claim

__all__ = [
    "access_article_by_id",
    "access_claim_by_id",
    "articles_visible_to",
    "can_edit_claims",
    "can_manage_sources",
    "can_requeue_segmentation",
    "can_review",
    "can_submit_articles",
    "claims_visible_to",
    "require",
]


def can_review(user) -> bool:
    """Give verdicts on claims."""
    return is_desk_member(user)


def require(allowed: bool, message: str = "You are not allowed to do this.") -> None:
    if not allowed:
        raise PermissionDenied(message)


def articles_visible_to(user) -> QuerySet[Article]:
    return Article.objects.all() if is_desk_member(user) else Article.objects.none()


def claims_visible_to(user) -> QuerySet[Claim]:
    return Claim.objects.all() if is_desk_member(user) else Claim.objects.none()


def access_article_by_id(user, article_id: int, *, with_text: bool = True) -> Article:
    articles = articles_visible_to(user)
    if not with_text:
        articles = articles.defer("text")
    article = articles.filter(pk=article_id).first()
    if article is None:
        raise Http404("No such article.")
    return article


def access_claim_by_id(user, claim_id: int, *, for_edit: bool = False) -> Claim:
    """The claim with its article; for_edit also requires the right to fix claims."""
    claim = claims_visible_to(user).select_related("article").filter(pk=claim_id).first()
    if claim is None:
        raise Http404("No such claim: it may have been removed when its article was "
                      "segmented again.")
    if for_edit:
        require(can_edit_claims(user), "You may not change this claim.")
    return claim
