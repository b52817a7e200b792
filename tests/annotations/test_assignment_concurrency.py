"""Reviewers asking /review/next/ at the same moment, each request in its own thread with its
own PostgreSQL connection: every claim goes to at most CLAIMDESK_REVIEWS_PER_CLAIM of them."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from annotations.models import Lease
from tests.conftest import require_or_skip
from tests.factories import UserFactory, article_with_claims

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        require_or_skip("row locks with skip_locked need PostgreSQL (DATABASE_URL)")


def _signed_in(user) -> Client:
    client = Client()
    client.raise_request_exception = False  # an error is a 500 to count, as a browser sees it
    client.force_login(user)
    return client


def _ask_all_at_once(clients: list[Client]) -> list:
    """GET /review/next/ with every client at the same moment, one thread each: the
    responses."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def ask(index: int, client: Client) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = client.get(reverse("annotations:review-next"))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=ask, args=(i, client)) for i, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def test_twenty_reviewers_at_once_get_twenty_leases_and_no_claim_more_than_twice(settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    article = article_with_claims(10)
    claims = {claim.pk: claim for claim in article.claims.all()}
    reviewers = [UserFactory(username=f"desk{i:02}") for i in range(20)]

    responses = _ask_all_at_once([_signed_in(reviewer) for reviewer in reviewers])

    assert [r.status_code for r in responses] == [302] * 20
    handed = [claim_id for r in responses for claim_id, claim in claims.items()
              if r.url == claim.get_absolute_url()]
    leases = list(Lease.objects.values_list("claim_id", "reviewer_id"))
    per_claim = Counter(claim_id for claim_id, _ in leases)
    duplicates = len(leases) - len(set(leases))
    print(f"\nrequests=20 redirects={len(handed)} leases={len(leases)} "
          f"most_per_claim={max(per_claim.values())} duplicates={duplicates}")
    assert len(leases) == 20
    assert duplicates == 0
    assert per_claim == dict.fromkeys(claims, 2)
    assert Counter(handed) == per_claim  # each reviewer was sent to the claim they lease

    late = _signed_in(UserFactory(username="desk20")).get(reverse("annotations:review-next"))
    assert late.status_code == 200
    assert b"Nothing waiting for you" in late.content
    assert Lease.objects.count() == 20
