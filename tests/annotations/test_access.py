"""annotations.access.BlindRules: the query conditions that lists are narrowed by before they
are paginated give, claim by claim, the answers the rules give in Python (the review page's
and the exports'), for a lead, a reviewer and a reviewer kept blind for good."""

import pytest

from annotations.access import BlindRules, verdicts_visible_to
from annotations.models import Verdict
from annotations.selectors import reviewed_by
from annotations.services import verdict_submit
from claims.models import Claim
from claims.services import claim_reject
from tests.factories import UserFactory, article_with_claims

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(reviewer, other_reviewer, lead, settings):
    """Final with and without the reviewer's verdict, open with and without it, rejected."""
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    third = UserFactory(username="rev3")
    claims = list(article_with_claims(5).claims.order_by("position"))
    for claim, verdicts in zip(claims, [
        [(reviewer, "confirmed"), (other_reviewer, "confirmed")],
        [(other_reviewer, "contested"), (third, "contested")],
        [(other_reviewer, "contested")],
        [(reviewer, "confirmed"), (other_reviewer, "contested")],
        [(reviewer, "unverifiable"), (third, "confirmed")],
    ], strict=True):
        for user, label in verdicts:
            verdict_submit(claim=claim, reviewer=user, label=label)
    claim_reject(claim=claims[4], actor=lead, expected_version=None)
    return claims


@pytest.mark.parametrize("who", ["lead", "reviewer", "reviewer blind for good"])
def test_query_conditions_answer_as_the_rules_do(desk, who, reviewer, lead, settings):
    settings.CLAIMDESK_BLIND_FOREVER = who == "reviewer blind for good"
    user = lead if who == "lead" else reviewer
    rules = BlindRules(user)
    claims = Claim.objects.annotate(own=reviewed_by(user))
    assert {c.status for c in claims} == {"final", "open", "rejected"}
    others = set(claims.filter(rules.others_verdicts_condition()).values_list("pk", flat=True))
    final = set(claims.filter(rules.final_verdict_condition()).values_list("pk", flat=True))
    assert others == {c.pk for c in claims if rules.sees_others(own_current=c.own)}
    assert final == {c.pk for c in claims
                     if rules.sees_final(status=c.status, own_current=c.own)}
    own = {c.pk: c.own for c in claims}
    assert set(verdicts_visible_to(user)) == {
        v for v in Verdict.objects.all()
        if v.reviewer_id == user.pk or rules.sees_others(own_current=own[v.claim_id])}


def test_a_reviewer_sees_colleagues_verdicts_only_where_they_have_their_own(desk, reviewer):
    visible = verdicts_visible_to(reviewer)
    assert {v.claim_id for v in visible} == {desk[0].pk, desk[3].pk, desk[4].pk}
    assert not visible.filter(claim__in=[desk[1], desk[2]]).exists()
