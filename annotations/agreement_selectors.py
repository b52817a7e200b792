"""The desk's agreement figures, read from its verdicts: for the leads' agreement page and CSV.

What counts: current verdicts only (`verdict_is_current`: a verdict on an earlier version of
the claim judged other words) on claims that stand (`claim_stands`: a claim rejected as "not a
claim" has nothing to agree on). The verdicts are read once, as tuples, and every figure is
computed in Python by annotations.agreement: three queries however many articles and
reviewers the desk has.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from annotations.agreement import (
    Agreement,
    ConfusionTable,
    PairAgreement,
    Ratings,
    agreement,
    confusion_between_reviewers,
    pair_agreements,
)
from annotations.models import Verdict
from annotations.selectors import verdict_is_current
from claims.models import Article, Claim
from claims.selectors import claim_stands

LABELS: tuple[str, ...] = tuple(Verdict.Label.values)
CHUNK = 5000


@dataclass(frozen=True, slots=True)
class ArticleAgreement:
    article_id: int
    title: str
    figures: Agreement


@dataclass(frozen=True, slots=True)
class ReviewerPairAgreement:
    reviewer_a: str  # usernames, a before b
    reviewer_b: str
    figures: PairAgreement


@dataclass(frozen=True, slots=True)
class AgreementReport:
    overall: Agreement
    articles: list[ArticleAgreement]  # articles with at least one current verdict, by title
    pairs: list[ReviewerPairAgreement]  # pairs with at least one claim in common
    confusion: ConfusionTable  # labels of two reviewers on one claim, unordered
    label_names: dict[str, str]

    @property
    def confusion_header(self) -> list[str]:
        return [self.label_names[label] for label in self.confusion.labels]

    @property
    def confusion_rows(self) -> list[tuple[str, list[int | None]]]:
        """The unordered table as shown: each label's name and its counts, None below the
        diagonal (those pairs are counted above it)."""
        return [(self.label_names[label], [count if column >= row else None
                                           for column, count in enumerate(counts)])
                for row, (label, counts) in enumerate(zip(self.confusion.labels,
                                                          self.confusion.rows, strict=True))]


def ratings_by_article() -> dict[int, dict[int, dict[int, str]]]:
    """article id -> claim id -> reviewer id -> label, from current verdicts on standing
    claims: one query, read in chunks as tuples."""
    rows = (Verdict.objects.filter(verdict_is_current())
            .filter(claim__in=Claim.objects.filter(claim_stands()))
            .values_list("claim__article_id", "claim_id", "reviewer_id", "label")
            .order_by())
    by_article: dict[int, dict[int, dict[int, str]]] = {}
    for article_id, claim_id, reviewer_id, label in rows.iterator(chunk_size=CHUNK):
        by_article.setdefault(article_id, {}).setdefault(claim_id, {})[reviewer_id] = label
    return by_article


def agreement_report() -> AgreementReport:
    by_article = ratings_by_article()
    everything: Ratings = {claim: labels for claims in by_article.values()
                           for claim, labels in claims.items()}
    titles = dict(Article.objects.filter(pk__in=by_article).values_list("pk", "title"))
    pairs = pair_agreements(everything)
    reviewer_ids = {reviewer for labels in everything.values() for reviewer in labels}
    names = dict(get_user_model().objects.filter(pk__in=reviewer_ids)
                 .values_list("pk", "username"))
    articles = sorted(
        (ArticleAgreement(article_id=article_id, title=titles.get(article_id, ""),
                          figures=agreement(claims, value_domain=LABELS))
         for article_id, claims in by_article.items()),
        key=lambda row: (row.title.casefold(), row.article_id))
    named = sorted(
        (ReviewerPairAgreement(*sorted((names[p.reviewer_a], names[p.reviewer_b])), figures=p)
         for p in pairs),
        key=lambda row: (row.reviewer_a, row.reviewer_b))
    return AgreementReport(
        overall=agreement(everything, value_domain=LABELS),
        articles=articles, pairs=named,
        confusion=confusion_between_reviewers(everything, value_domain=LABELS),
        label_names=dict(Verdict.Label.choices))
