"""Which articles teach the extractor: those whose every claim a reviewer has settled."""

import pytest

from annotations.selectors import articles_reviewed_for_training
from annotations.services import verdict_submit
from claims.models import Article, Claim
from claims.services import article_delete, claim_add, claim_reject, claim_spans_update
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db

MACHINE = Claim.Origin.MACHINE
TEXT = "The mayor said the ferry runs daily. The guild said it does not."


def two_claims():
    article = ArticleFactory(text=TEXT)
    first = make_claim(article, content="the ferry runs daily", source="The mayor",
                       origin=MACHINE)
    second = make_claim(article, content="it does not", source="The guild", occurrence=1,
                        origin=MACHINE)
    return article, first, second


def reviewed_ids() -> set[int]:
    return set(articles_reviewed_for_training().values_list("pk", flat=True))


def test_an_article_with_an_unreviewed_claim_is_not_an_example(reviewer):
    article, first, _ = two_claims()
    verdict_submit(claim=first, reviewer=reviewer, label="confirmed", source_correct=True,
                   content_correct=True)
    assert article.pk not in reviewed_ids()


def test_rejected_marked_right_corrected_and_added_claims_settle_an_article(reviewer):
    article, first, second = two_claims()
    claim_reject(claim=first, actor=reviewer, expected_version=None)
    verdict_submit(claim=second, reviewer=reviewer, label="confirmed", source_correct=True,
                   content_correct=True)
    assert reviewed_ids() == {article.pk}

    corrected = ArticleFactory(text="Report. " + TEXT)
    text = corrected.text
    claim = make_claim(corrected, content="the ferry runs daily", origin=MACHINE)
    daily = text.index("the ferry runs daily")
    claim_spans_update(claim=claim, role="content", spans=[(daily, daily + len("the ferry"))],
                       actor=reviewer, expected_version=None)
    said = text.index("said", daily)
    claim_add(article=corrected, cue_spans=[(said, said + 4)],
              content_spans=[(said + 5, len(text) - 1)], actor=reviewer)
    assert reviewed_ids() == {article.pk, corrected.pk}


def test_a_claim_marked_wrong_and_not_corrected_leaves_its_article_out(reviewer, other_reviewer):
    article, first, second = two_claims()
    claim_reject(claim=first, actor=reviewer, expected_version=None)
    verdict_submit(claim=second, reviewer=reviewer, label="confirmed", source_correct=True,
                   content_correct=True)
    verdict_submit(claim=second, reviewer=other_reviewer, label="confirmed",
                   source_correct=False, content_correct=True)
    assert article.pk not in reviewed_ids()


def test_deleted_unsegmented_and_claimless_articles_are_never_examples(reviewer, lead):
    deleted, first, second = two_claims()
    for claim in (first, second):
        claim_reject(claim=claim, actor=reviewer, expected_version=None)
    article_delete(article=deleted, actor=lead, reason="Duplicate")
    ArticleFactory(text="Nothing attributed here.")
    pending = ArticleFactory(text="Pending. " + TEXT,
                             segmentation_status=Article.Segmentation.PENDING)
    claim_reject(claim=make_claim(pending, content="the ferry runs daily", origin=MACHINE),
                 actor=reviewer, expected_version=None)
    assert reviewed_ids() == set()
