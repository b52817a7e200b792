"""Reviewers saving at the same moment, on both backends the desk runs on: PostgreSQL and the
embedded default, a SQLite file in WAL mode. Each request goes through HTTP in its own thread
with its own database connection, so the statuses are the ones a browser gets: exactly the
right number succeed, the others get 409, none a 500.

Every test runs once per backend. The configured database (DATABASE_URL, else SQLite) serves
its own variant; for the other one the module creates a test database of that backend and
points the default connection at it for the test (`database` fixture). The PostgreSQL variant
needs a server (CLAIMDESK_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/claimdesk):
unreachable, it is skipped, or fails when CLAIMDESK_REQUIRE_SERVICES is set.
"""

import os
import threading
from collections import Counter

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from annotations.models import Lease, Verdict
from claims.models import Claim, ClaimChange
from config.settings.base import database_from_url
from tests.conftest import require_or_skip
from tests.factories import ArticleFactory, UserFactory, article_with_claims, make_claim

pytestmark = pytest.mark.django_db(transaction=True)

SECOND = "concurrency_second_backend"  # the alias the other backend's test database is made on
POSTGRES_URL = (os.environ.get("CLAIMDESK_TEST_POSTGRES_URL")
                or "postgres://postgres@127.0.0.1:5432/claimdesk")
TEXT = ("The ferry captain said the crossing was calm. A passenger said the deck was flooded. "
        "The harbour office said no ship had left. A fisherman said the nets were empty. "
        "The lighthouse keeper said the lamp had failed. The pilot said the fog had lifted. "
        "The cook said the galley was dry. The mate said the anchor had held.")


def _second_database(vendor: str, tmp_path_factory) -> dict:
    if vendor == "sqlite":
        settings = database_from_url(f"sqlite:///{tmp_path_factory.mktemp('db') / 'desk.db'}")
        settings["TEST"] = {"NAME": settings["NAME"]}  # a file, as the embedded default is
        return settings
    settings = database_from_url(POSTGRES_URL)
    try:
        psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                        user=settings["USER"], password=settings["PASSWORD"] or None,
                        dbname="postgres", connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        require_or_skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}")
    settings["TEST"] = {"NAME": f"test_claimdesk_concurrency_{os.getpid()}"}
    return settings


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The backend a test runs on, and None when it is the configured database, else the
    settings of a test database made on that backend for this module (dropped afterwards)."""
    vendor = request.param
    if connection.vendor == vendor:
        yield vendor, None
        return
    settings = connections.configure_settings({  # Django's defaults filled in
        "default": {}, SECOND: _second_database(vendor, tmp_path_factory)})[SECOND]
    with django_db_blocker.unblock():
        connections.settings[SECOND] = settings
        try:
            connections[SECOND].creation.create_test_db(verbosity=0, autoclobber=True,
                                                        serialize=False)
        finally:
            del connections[SECOND]
            del connections.settings[SECOND]
    yield vendor, settings
    with django_db_blocker.unblock():
        connections.settings[SECOND] = settings
        try:
            connections[SECOND].creation.destroy_test_db(settings["NAME"], verbosity=0)
        finally:
            del connections[SECOND]
            del connections.settings[SECOND]


@pytest.fixture
def database(backend, transactional_db) -> str:
    """Every connection made during the test, in any thread, goes to `backend`'s database;
    the vendor it is."""
    vendor, settings = backend
    if settings is None:
        yield vendor
        return
    configured, configured_settings = connections["default"], connections.settings["default"]
    configured.close()
    connections.settings["default"] = settings
    del connections["default"]  # this thread's next query connects to `backend`
    try:
        yield vendor
        call_command("flush", interactive=False, verbosity=0)  # the next test starts empty
    finally:
        connection.close()
        connections.settings["default"] = configured_settings
        connections["default"] = configured


def _signed_in(user) -> Client:
    client = Client()
    client.raise_request_exception = False  # an error is a 500 to count, as a browser sees it
    client.force_login(user)
    return client


def _all_at_once(requests: list) -> list:
    """Send every (client, method, url, data) at the same moment, one thread each: the
    responses."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def send(index: int, client: Client, method: str, url: str, data: dict | None) -> None:
        try:
            barrier.wait(timeout=30)
            if method == "get":
                responses[index] = client.get(url)
            else:
                responses[index] = client.post(url, data, headers={"HX-Request": "true"})
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=send, args=(i, *request))
               for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def _statuses(responses: list) -> list[int]:
    return sorted(response.status_code for response in responses)


def _verdict(client: Client, claim: Claim, label: str, rationale: str,
             expected_revision: int = 0) -> tuple:
    return (client, "post", reverse("annotations:verdict-submit", args=[claim.pk]), {
        "label": label, "rationale": rationale, "evidence_links": "", "source_correct": "",
        "content_correct": "", "expected_revision": expected_revision})


@pytest.fixture
def claims(database) -> list[Claim]:
    article = ArticleFactory(text=TEXT)
    return [make_claim(article, cue="said", occurrence=i) for i in range(8)]


def test_each_variant_runs_on_its_backend_and_sqlite_on_a_wal_file(database):
    assert connection.vendor == database
    UserFactory(username="here")
    assert connection.vendor == database  # the test's own writes went there too
    if database == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
        name = str(connection.settings_dict["NAME"])
        assert name not in ("", ":memory:")
        assert "mode=memory" not in name
        assert os.path.isfile(name)


def test_eight_first_saves_of_one_verdict_at_once_store_one_and_refuse_seven(claims):
    reviewer = UserFactory(username="twitchy")
    for claim in claims[:3]:
        # Eight tabs of one reviewer, each with its own rationale, all saying "no verdict yet".
        responses = _all_at_once([_verdict(_signed_in(reviewer), claim, "contested",
                                           f"Tab {i} says.") for i in range(8)])

        assert _statuses(responses) == [200] + [409] * 7, f"claim {claim.pk}"
        verdict = Verdict.objects.get(claim=claim, reviewer=reviewer)
        assert verdict.revision == 1
        assert verdict.history.count() == 1
        kept = [r for r in responses if r.status_code == 200][0]
        assert f"Tab {[r.status_code for r in responses].index(200)} says." == verdict.rationale
        assert "verdictSaved" in kept["HX-Trigger"]


def test_eight_changes_of_one_verdict_from_the_same_revision_keep_one(claims):
    reviewer = UserFactory(username="twitchy")
    client = _signed_in(reviewer)
    client.post(*_verdict(client, claims[0], "confirmed", "First reading.")[2:])
    assert Verdict.objects.get(claim=claims[0], reviewer=reviewer).revision == 1

    responses = _all_at_once([_verdict(_signed_in(reviewer), claims[0], "contested",
                                       f"Second reading {i}.", expected_revision=1)
                              for i in range(8)])

    assert _statuses(responses) == [200] + [409] * 7
    winner = [r.status_code for r in responses].index(200)
    verdict = Verdict.objects.get(claim=claims[0], reviewer=reviewer)
    assert (verdict.revision, verdict.rationale) == (2, f"Second reading {winner}.")
    assert list(verdict.history.order_by("revision").values_list("rationale", flat=True)) == [
        "First reading.", f"Second reading {winner}."]
    for response in responses:
        if response.status_code == 409:
            assert "This verdict was changed elsewhere" in response.content.decode()


def test_eight_span_edits_of_one_claim_from_the_same_version_keep_one(claims):
    claim = claims[3]
    editors = [_signed_in(UserFactory(username=f"editor{i}")) for i in range(8)]
    url = reverse("annotations:claim-spans", args=[claim.pk])
    start = TEXT.index("the nets were empty")
    # Each editor cuts the content at a different letter, all from version 1 (an end after a
    # space would be trimmed to another editor's end: the same edit, which is no conflict).
    ends = [end for end in range(start + 4, start + 20) if TEXT[end - 1] != " "][:8]
    responses = _all_at_once([(client, "post", url, {
        "role": "content", "version": 1, "start": start, "end": end})
        for client, end in zip(editors, ends, strict=True)])

    assert _statuses(responses) == [302] + [409] * 7
    winner = [r.status_code for r in responses].index(302)
    claim.refresh_from_db()
    assert claim.version == 2
    content = claim.spans.get(role="content")
    assert (content.start, content.end) == (start, ends[winner])
    assert ClaimChange.objects.filter(claim=claim, action=ClaimChange.Action.EDIT_SPANS
                                      ).count() == 1
    for response in responses:
        if response.status_code == 409:
            assert "This claim was changed elsewhere" in response.content.decode()


def test_three_reviewers_on_eight_claims_at_once_fill_exactly_two_slots_each(claims, settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    reviewers = [UserFactory(username=f"desk{i}") for i in range(3)]
    clients = {reviewer.pk: _signed_in(reviewer) for reviewer in reviewers}
    # Twenty-four saves at once: each reviewer on each claim. Labels differ, so no claim is
    # settled by the first two and every third save meets a full claim.
    requests = [_verdict(clients[reviewer.pk], claim, ("confirmed", "contested", "unverifiable")[
        i], f"{reviewer.username} on {claim.pk}") for claim in claims
        for i, reviewer in enumerate(reviewers)]

    responses = _all_at_once(requests)

    assert _statuses(responses) == [200] * 16 + [409] * 8
    assert Counter(Verdict.objects.values_list("claim_id", flat=True)) == dict.fromkeys(
        [claim.pk for claim in claims], 2)
    for response in responses:
        if response.status_code == 409:
            assert "already has the 2 independent verdicts it needs" in (
                response.content.decode())


def test_reviewers_saving_verdicts_on_different_claims_at_once_all_succeed(claims):
    reviewers = [UserFactory(username=f"desk{i}") for i in range(4)]
    # Each reviewer saves on two claims, every save at the same moment.
    requests = [_verdict(_signed_in(reviewer), claim, "confirmed", f"Checked by {i}.")
                for i, reviewer in enumerate(reviewers)
                for claim in (claims[2 * i], claims[2 * i + 1])]

    assert _statuses(_all_at_once(requests)) == [200] * 8
    assert Verdict.objects.count() == 8


def test_twenty_reviewers_asking_for_the_next_claim_at_once_get_one_lease_each(
        database, settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    article = article_with_claims(10)
    claims = {claim.pk: claim for claim in article.claims.all()}
    reviewers = [UserFactory(username=f"desk{i:02}") for i in range(20)]

    responses = _all_at_once([(_signed_in(reviewer), "get", reverse("annotations:review-next"),
                               None) for reviewer in reviewers])

    assert _statuses(responses) == [302] * 20
    handed = [claim_id for r in responses for claim_id, claim in claims.items()
              if r.url == claim.get_absolute_url()]
    leases = list(Lease.objects.values_list("claim_id", "reviewer_id"))
    per_claim = Counter(claim_id for claim_id, _ in leases)
    assert len(leases) == len(set(leases)) == 20
    assert per_claim == dict.fromkeys(claims, 2)
    assert Counter(handed) == per_claim  # each reviewer was sent to the claim they lease

    late = _signed_in(UserFactory(username="desk20")).get(reverse("annotations:review-next"))
    assert late.status_code == 200
    assert b"Nothing waiting for you" in late.content
    assert Lease.objects.count() == 20
