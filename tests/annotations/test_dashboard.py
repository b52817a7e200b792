import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.consensus import final_verdict_adjudicate, verdicts_token
from annotations.dashboard import claim_states, oldest_waiting, verdicts_per_reviewer_per_day
from annotations.services import verdict_submit
from claims.services import claim_reject
from tests.factories import UserFactory, article_with_claims

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(reviewer, other_reviewer, lead):
    """Six claims: one untouched, one with one verdict, one agreed (final), one disagreed,
    one adjudicated, one rejected."""
    claims = list(article_with_claims(6).claims.order_by("position"))
    untouched, half, agreed, disagreed, adjudicated, rejected = claims
    verdict_submit(claim=half, reviewer=reviewer, label="confirmed")
    for claim, labels in ((agreed, ("contested", "contested")),
                          (disagreed, ("confirmed", "contested")),
                          (adjudicated, ("confirmed", "unverifiable"))):
        verdict_submit(claim=claim, reviewer=reviewer, label=labels[0])
        verdict_submit(claim=claim, reviewer=other_reviewer, label=labels[1])
    final_verdict_adjudicate(claim=adjudicated, lead=lead, label="unverifiable",
                             reason_code="ambiguous_evidence",
                             token=verdicts_token(claim_id=adjudicated.pk))
    claim_reject(claim=rejected, actor=reviewer, expected_version=1)
    return claims


def test_claim_states_count_each_claim_once_by_the_review_rules(desk):
    states = claim_states()
    assert (states.unreviewed, states.in_review, states.needs_adjudication, states.rejected) == (
        1, 1, 1, 1)
    assert states.final_by_label == {"confirmed": 0, "contested": 1, "unverifiable": 1}
    assert states.final == 2


def test_oldest_waiting_lists_open_claims_short_of_verdicts_in_reading_order(desk):
    assert [c.pk for c in oldest_waiting()] == [desk[0].pk, desk[1].pk]


def test_verdicts_per_reviewer_per_day_counts_first_verdicts(desk, reviewer, other_reviewer):
    report = verdicts_per_reviewer_per_day(days=3)
    assert len(report.days) == 3
    assert report.rows == [(reviewer.username, [0, 0, 4]),
                           (other_reviewer.username, [0, 0, 3])]


def test_the_dashboard_is_for_leads(client, desk, logged_in_lead, reviewer):
    page = logged_in_lead.get(reverse("annotations:lead-dashboard"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="needs-adjudication">1<' in body
    assert 'data-testid="final-contested">1<' in body
    assert "Verdicts per reviewer per day" in body
    client.force_login(reviewer)
    assert client.get(reverse("annotations:lead-dashboard")).status_code == 403


def test_the_dashboards_query_count_does_not_grow_with_the_desk(logged_in_lead):
    url = reverse("annotations:lead-dashboard")
    for i in range(2):
        user = UserFactory(username=f"first{i}")
        for claim in article_with_claims(2).claims.all():
            verdict_submit(claim=claim, reviewer=user, label="contested")
    logged_in_lead.get(url)
    with CaptureQueriesContext(connection) as small:
        logged_in_lead.get(url)
    for i in range(5):
        user = UserFactory(username=f"extra{i}")
        for claim in article_with_claims(4).claims.all():
            verdict_submit(claim=claim, reviewer=user, label="confirmed")
    with CaptureQueriesContext(connection) as large:
        logged_in_lead.get(url)
    assert len(large) == len(small)
