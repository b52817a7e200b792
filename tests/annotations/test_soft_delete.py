"""Deleting an article is a soft delete: it leaves every reviewer's page, queue and count,
keeps its history, and restoring brings it back."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations.agreement_selectors import ratings_by_article
from annotations.assignment import lease_next
from annotations.consensus import claims_needing_adjudication, recently_decided
from annotations.dashboard import claim_states, oldest_waiting, verdicts_per_reviewer_per_day
from annotations.models import VerdictRevision
from annotations.selectors import (
    articles_with_progress,
    review_queue,
    reviewer_summary,
)
from annotations.services import verdict_submit
from claims.models import Article, ArticleChange, ClaimChange
from claims.services import article_create, article_delete, article_restore, claim_reject
from tests.factories import article_with_claims

pytestmark = pytest.mark.django_db


@pytest.fixture
def deleted(reviewer, lead):
    """An article with history (a claim added by a reviewer, a verdict), then deleted."""
    article = article_with_claims(3, title="Fictional harbour report")
    verdict_submit(claim=article.claims.first(), reviewer=reviewer, label="confirmed")
    article_delete(article=article, actor=lead, reason="Posted twice")
    return article


def test_a_deleted_article_leaves_the_queue_the_list_and_the_counts(deleted, reviewer):
    assert not review_queue(reviewer=reviewer).exists()
    assert lease_next(reviewer=reviewer, prefer_article_id=deleted.pk) is None
    assert not articles_with_progress(reviewer=reviewer).filter(pk=deleted.pk).exists()
    summary = reviewer_summary(reviewer=reviewer)
    assert summary.waiting == 0
    assert summary.done_today == 0
    assert summary.last_verdict is None


def test_a_deleted_article_is_gone_from_every_reviewer_page(deleted, logged_in):
    claim = deleted.claims.last()
    assert logged_in.get(deleted.get_absolute_url()).status_code == 404
    assert logged_in.get(reverse("claims:article-segmentation", args=[deleted.pk])
                         ).status_code == 404
    response = logged_in.post(reverse("annotations:verdict-submit", args=[claim.pk]),
                              {"label": "contested", "expected_revision": 0})
    assert response.status_code == 404
    assert "Fictional harbour report" not in logged_in.get(
        reverse("annotations:article-list")).content.decode()
    assert "Fictional harbour report" not in logged_in.get(reverse("home")
                                                           ).content.decode()
    queue = logged_in.get(reverse("annotations:review-next"), follow=True)
    assert "annotations/queue_empty.html" in [t.name for t in queue.templates]


def test_deleting_keeps_the_history_and_records_who_and_why(deleted, lead):
    assert Article.objects.filter(pk=deleted.pk).exists()
    assert ClaimChange.objects.filter(claim__article=deleted).count() == 3
    assert VerdictRevision.objects.filter(verdict__claim__article=deleted).count() == 1
    change = ArticleChange.objects.get(article=deleted)
    assert (change.actor, change.action, change.reason) == (lead, "delete", "Posted twice")
    assert (change.before, change.after) == ({"deleted": False}, {"deleted": True})


def test_restore_brings_it_back(deleted, lead, reviewer, logged_in):
    article_restore(article=deleted, actor=lead, reason="Not a duplicate after all")
    assert logged_in.get(deleted.get_absolute_url()).status_code == 200
    assert review_queue(reviewer=reviewer).count() == 2
    assert articles_with_progress(reviewer=reviewer).get(pk=deleted.pk).n_claims == 3
    assert list(ArticleChange.objects.filter(article=deleted).values_list("action", flat=True)
                ) == ["delete", "restore"]


def test_deleting_twice_records_once(deleted, lead):
    article_delete(article=deleted, actor=lead)
    assert ArticleChange.objects.filter(article=deleted).count() == 1


def test_submitting_a_deleted_articles_text_again_says_so_and_saves_nothing(deleted, reviewer):
    with pytest.raises(ValidationError, match="was deleted"):
        article_create(text=deleted.text, submitted_by=reviewer)
    assert Article.objects.count() == 1


# --- the admin ------------------------------------------------------------------------------
def test_the_admin_deletes_softly_and_restores(client, admin_user):
    article = article_with_claims(2)
    client.force_login(admin_user)
    url = reverse("admin:claims_article_changelist")
    actions = client.get(url).context["action_form"].fields["action"].choices
    assert "delete_selected" not in [name for name, _ in actions]
    assert client.get(reverse("admin:claims_article_delete", args=[article.pk])
                      ).status_code == 403
    client.post(url, {"action": "soft_delete", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.deleted_at is not None
    assert article.deleted_by == admin_user
    assert article.claims.count() == 2
    listed = client.get(url, {"deleted": "yes"}).context["cl"].result_list
    assert [a.pk for a in listed] == [article.pk]
    assert not client.get(url, {"deleted": "no"}).context["cl"].result_list
    client.post(url, {"action": "restore", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.deleted_at is None
    assert ArticleChange.objects.filter(article=article, actor=admin_user).count() == 2


def test_a_reviewer_on_staff_may_not_delete_articles(client, reviewer):
    reviewer.is_staff = True
    reviewer.save()
    reviewer.user_permissions.add(*Permission.objects.filter(codename__endswith="article"))
    article = article_with_claims(1)
    client.force_login(reviewer)
    url = reverse("admin:claims_article_changelist")
    client.post(url, {"action": "soft_delete", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.deleted_at is None


def test_a_deleted_articles_verdicts_leave_the_agreement_figures(deleted, reviewer,
                                                                 other_reviewer, lead):
    live = article_with_claims(1)
    for article in (deleted, live):
        for user in (reviewer, other_reviewer):
            verdict_submit(claim=article.claims.last(), reviewer=user, label="confirmed")
    assert set(ratings_by_article()) == {live.pk}
    article_restore(article=deleted, actor=lead)
    assert set(ratings_by_article()) == {live.pk, deleted.pk}


def test_a_deleted_article_leaves_the_leads_dashboard_and_disagreement_queue(
        reviewer, other_reviewer, lead):
    claims = list(article_with_claims(4).claims.order_by("position"))
    agreed, disagreed, rejected, _ = claims
    for claim, labels in ((agreed, ("confirmed", "confirmed")),
                          (disagreed, ("confirmed", "contested"))):
        verdict_submit(claim=claim, reviewer=reviewer, label=labels[0])
        verdict_submit(claim=claim, reviewer=other_reviewer, label=labels[1])
    claim_reject(claim=rejected, actor=reviewer, expected_version=None)
    before = claim_states()
    assert (before.unreviewed, before.needs_adjudication, before.rejected, before.final) == (
        1, 1, 1, 1)
    article_delete(article=agreed.article, actor=lead)
    after = claim_states()
    assert (after.unreviewed, after.in_review, after.needs_adjudication, after.rejected,
            after.final) == (0, 0, 0, 0, 0)
    assert not claims_needing_adjudication().exists()
    assert not oldest_waiting()
    assert not recently_decided()
    assert verdicts_per_reviewer_per_day().rows == []
