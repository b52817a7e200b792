from django.db.models import OuterRef, QuerySet

from annotations import access
from claims.models import Article, Claim
from claims.selectors import claim_stands, count_per_article


def articles_for_api(user, *, with_text: bool = False) -> QuerySet[Article]:
    """The articles `user` may see (annotations.access), with n_claims counted per row in a
    correlated subquery, so a page costs one query whatever its size."""
    articles = access.articles_visible_to(user)
    if not with_text:
        articles = articles.defer("text")
    standing = Claim.objects.filter(claim_stands(), article=OuterRef("pk"))
    return articles.annotate(n_claims=count_per_article(standing))
