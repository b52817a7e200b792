"""Reviewers saving at the same moment, each request in its own thread with its own database
connection, on whichever database is configured (on the embedded default: a SQLite file)."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from annotations.models import Verdict
from tests.factories import ArticleFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = ("The ferry captain said the crossing was calm. A passenger said the deck was flooded. "
        "The harbour office said no ship had left. A fisherman said the nets were empty. "
        "The lighthouse keeper said the lamp had failed.")


def _post_all_at_once(requests: list[tuple[Client, int, dict]]) -> list[int]:
    """POST every (client, claim id, form) at the same moment, one thread each; the statuses."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int | None] = [None] * len(requests)

    def post(index: int, client: Client, claim_id: int, data: dict) -> None:
        try:
            barrier.wait(timeout=30)
            response = client.post(reverse("annotations:verdict-submit", args=[claim_id]),
                                   data, headers={"HX-Request": "true"})
            statuses[index] = response.status_code
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=post, args=(i, *request))
               for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def _signed_in(user) -> Client:
    client = Client()
    client.raise_request_exception = False  # an error is a 500 to count, as a browser sees it
    client.force_login(user)
    return client


def _verdict(label: str, rationale: str) -> dict:
    return {"label": label, "rationale": rationale, "evidence_links": "", "source_correct": "",
            "content_correct": "", "expected_revision": 0}


@pytest.fixture
def claims():
    article = ArticleFactory(text=TEXT)
    return [make_claim(article, cue="said", occurrence=i) for i in range(5)]


def test_reviewers_saving_verdicts_on_different_claims_at_once_all_succeed(claims):
    reviewers = [UserFactory(username=f"desk{i}") for i in range(4)]
    # Each reviewer saves on two claims, every save at the same moment.
    requests = [(_signed_in(reviewer), claim.pk, _verdict("confirmed", f"Checked by {i}."))
                for i, reviewer in enumerate(reviewers)
                for claim in (claims[i], claims[i + 1])]

    statuses = _post_all_at_once(requests)

    assert statuses == [200] * len(requests)
    assert Verdict.objects.count() == len(requests)


def test_simultaneous_first_saves_of_one_verdict_store_one_and_refuse_the_rest(claims):
    reviewer = UserFactory(username="twitchy")
    for claim in claims[:3]:
        # Eight tabs of one reviewer, each with its own rationale, all saying "no verdict yet".
        requests = [(_signed_in(reviewer), claim.pk, _verdict("contested", f"Tab {i} says."))
                    for i in range(8)]

        statuses = _post_all_at_once(requests)

        assert sorted(statuses) == [200] + [409] * 7, f"claim {claim.pk}"
        verdict = Verdict.objects.get(claim=claim, reviewer=reviewer)
        assert verdict.revision == 1
        assert verdict.history.count() == 1
