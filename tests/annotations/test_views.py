import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Verdict, VerdictRevision
from annotations.services import verdict_submit
from claims.models import Claim
from claims.services import claim_reject, claim_spans_update
from tests.factories import ArticleFactory, article_with_claims, make_claim

pytestmark = pytest.mark.django_db

TEXT = ("The mayor said the bridge is safe. An engineer said the cables are worn. "
        "A resident said traffic doubled.")
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "review"}


@pytest.fixture
def claims():
    article = ArticleFactory(text=TEXT)
    return [make_claim(article, cue="said", occurrence=i, content=content) for i, content in
            enumerate(["the bridge is safe", "the cables are worn", "traffic doubled"])]


def post_verdict(client, claim, headers=None, **data):
    values = {"label": "confirmed", "rationale": "", "evidence_links": "",
              "source_correct": "", "content_correct": "", "expected_revision": 0, **data}
    return client.post(reverse("annotations:verdict-submit", args=[claim.pk]), values,
                       **(headers or {}))


def test_saving_a_verdict_with_htmx_stores_it_and_shows_the_next_claim(
    logged_in, reviewer, claims
):
    response = post_verdict(logged_in, claims[0], HTMX, label="contested",
                            rationale="The 2019 inspection says otherwise.",
                            evidence_links="https://example.org/inspection\nhttp://example.org/b",
                            source_correct="yes", content_correct="no")
    assert response.status_code == 200
    verdict = Verdict.objects.get(claim=claims[0], reviewer=reviewer)
    assert verdict.label == "contested"
    assert verdict.rationale == "The 2019 inspection says otherwise."
    assert verdict.evidence_links == ["https://example.org/inspection", "http://example.org/b"]
    assert (verdict.source_correct, verdict.content_correct) == (True, False)
    body = response.content.decode()
    assert f'data-claim-id="{claims[1].pk}"' in body  # moved on to the next claim
    assert "Saved ✓" in body
    assert f'id="claim-item-{claims[0].pk}" class="claim-row" data-claim-id="{claims[0].pk}" ' \
           f'hx-swap-oob="true"' in body
    assert 'class="badge v-contested">Contested' in body
    assert response["HX-Push-Url"] == claims[1].get_absolute_url()


def test_saving_without_javascript_redirects_to_the_next_claim(logged_in, reviewer, claims):
    response = post_verdict(logged_in, claims[0])
    assert response.status_code == 302
    assert response.url == claims[1].get_absolute_url()
    assert Verdict.objects.filter(reviewer=reviewer).count() == 1


def test_next_claim_skips_claims_already_reviewed_and_rejected(
    logged_in, reviewer, other_reviewer, claims
):
    verdict_submit(claim=claims[1], reviewer=reviewer, label="confirmed")
    claim_reject(claim=claims[2], actor=other_reviewer, expected_version=1)
    response = post_verdict(logged_in, claims[0])
    # Nothing left in this article: stay on the saved claim.
    assert response.url == claims[0].get_absolute_url()


def test_the_last_claim_of_an_article_offers_the_next_article(logged_in, reviewer, claims):
    for claim in claims[:2]:
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    response = post_verdict(logged_in, claims[2], HTMX)
    assert "next article →" in response.content.decode()


def test_double_submission_creates_one_verdict_and_one_revision(logged_in, reviewer, claims):
    first = post_verdict(logged_in, claims[0], HTMX, rationale="Checked.")
    second = post_verdict(logged_in, claims[0], HTMX, rationale="Checked.")
    assert first.status_code == second.status_code == 200
    verdict = Verdict.objects.get(claim=claims[0], reviewer=reviewer)
    assert verdict.revision == 1
    assert VerdictRevision.objects.filter(verdict=verdict).count() == 1


def test_a_stale_form_is_refused_with_409_and_keeps_the_input_shown(logged_in, reviewer, claims):
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed",
                   rationale="Saved in another tab.")
    response = post_verdict(logged_in, claims[0], HTMX, label="contested",
                            rationale="Typed in the old tab.", expected_revision=0)
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed elsewhere" in body
    assert "Reload the claim" in body
    assert "Typed in the old tab." in body  # the reviewer's input is not lost
    verdict = Verdict.objects.get(claim=claims[0], reviewer=reviewer)
    assert (verdict.label, verdict.rationale) == ("confirmed", "Saved in another tab.")


def test_a_stale_form_without_javascript_gets_the_full_page_with_409(logged_in, reviewer, claims):
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed")
    response = post_verdict(logged_in, claims[0], label="unverifiable", expected_revision=0)
    assert response.status_code == 409
    assert 'id="article-text"' in response.content.decode()
    assert Verdict.objects.get(claim=claims[0]).label == "confirmed"


def test_changing_a_verdict_with_the_current_revision_keeps_history(logged_in, reviewer, claims):
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed")
    response = post_verdict(logged_in, claims[0], HTMX, label="contested", expected_revision=1)
    assert response.status_code == 200
    verdict = Verdict.objects.get(claim=claims[0])
    assert (verdict.label, verdict.revision) == ("contested", 2)
    assert list(verdict.history.values_list("label", flat=True)) == ["confirmed", "contested"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"evidence_links": "https://ok.example/a\njavascript:alert(1)"},
         "is not a valid http or https link"),
        ({"evidence_links": "ftp://example.org/file"}, "is not a valid http or https link"),
        ({"label": ""}, "Pick a label: 1 confirmed, 2 contested, 3 unverifiable."),
        ({"label": "true"}, "Select a valid choice"),
        ({"source_correct": "maybe"}, "Select a valid choice"),
        ({"expected_revision": ""}, "This field is required"),
    ],
)
def test_bad_verdict_input_is_refused_with_a_message_and_saves_nothing(
    logged_in, claims, data, message
):
    response = post_verdict(logged_in, claims[0], HTMX, rationale="Keep me.", **data)
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "Keep me." in body
    assert Verdict.objects.count() == 0


def test_a_rejected_claim_cannot_get_a_verdict(logged_in, reviewer, claims):
    claim_reject(claim=claims[0], actor=reviewer, expected_version=1)
    response = post_verdict(logged_in, claims[0], HTMX)
    assert response.status_code == 422
    assert "restore it to review it" in response.content.decode()
    assert Verdict.objects.count() == 0


def test_verdict_submit_needs_login_and_post(client, logged_in, claims):
    url = reverse("annotations:verdict-submit", args=[claims[0].pk])
    assert logged_in.get(url).status_code == 405
    logged_in.logout()
    assert client.post(url, {"label": "confirmed"}).status_code == 302
    assert Verdict.objects.count() == 0


# --- The queue --------------------------------------------------------------------------------
def test_review_next_walks_the_oldest_article_first(logged_in, reviewer):
    old = ArticleFactory(text="Old: the clerk said rates rose.")
    new = ArticleFactory(text="New: the clerk said rates fell.")
    make_claim(new, cue="said")
    old_claim = make_claim(old, cue="said")
    response = logged_in.get(reverse("annotations:review-next"))
    assert response.url == old_claim.get_absolute_url()


def test_review_next_continues_in_the_article_left_off(logged_in, reviewer):
    old = ArticleFactory(text="Old: the clerk said rates rose. The mayor said so too.")
    new = ArticleFactory(text="New: the clerk said rates fell. The mayor said so too.")
    make_claim(old, cue="said")
    first_new = make_claim(new, cue="said")
    second_new = make_claim(new, cue="said", occurrence=1)
    verdict_submit(claim=first_new, reviewer=reviewer, label="confirmed")
    response = logged_in.get(reverse("annotations:review-next"))
    assert response.url == second_new.get_absolute_url()


def test_review_next_says_so_when_nothing_is_left(logged_in, reviewer, claims):
    for claim in claims:
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    response = logged_in.get(reverse("annotations:review-next"))
    assert response.status_code == 200
    assert b"Nothing waiting for you" in response.content
    assert Claim.objects.count() == 3


def _home_waiting(client) -> int:
    body = client.get(reverse("home")).content.decode()
    return int(body.split('data-testid="waiting">', 1)[1].split("<", 1)[0])


def test_a_leads_home_counts_what_next_claim_hands_out_and_the_decisions_apart(
        client, lead, reviewer, other_reviewer, claims):
    """Claims awaiting adjudication are no one's to review: home does not count them as
    waiting for the lead (Next claim has nothing for them), it shows them as decisions."""
    for claim in claims:
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
        verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    client.force_login(lead)
    home = client.get(reverse("home")).content.decode()
    assert _home_waiting(client) == 0
    assert "Continue where you left off" not in home
    assert '<span class="stat-figure" data-testid="to-decide">3</span>' in home
    assert reverse("annotations:lead-disagreements") in home
    assert b"Nothing waiting for you" in client.get(reverse("annotations:review-next")).content
    # One claim still short of verdicts: home and Next claim both have it.
    waiting = make_claim(ArticleFactory(text="Later: the clerk said rates fell."), cue="said")
    assert _home_waiting(client) == 1
    assert client.get(reverse("annotations:review-next")).url == waiting.get_absolute_url()


def test_home_does_not_count_a_claim_colleagues_hold_the_last_slots_of(
        logged_in, reviewer, other_reviewer, claims):
    from annotations.assignment import lease_next
    from tests.factories import UserFactory

    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="confirmed")
    assert lease_next(reviewer=UserFactory(username="third")) == claims[0]  # its last slot
    assert _home_waiting(logged_in) == 2
    assert logged_in.get(reverse("annotations:review-next")).url == claims[1].get_absolute_url()
    page = logged_in.get(claims[0].get_absolute_url()).content.decode()
    assert 'id="verdict-form"' not in page
    assert "Colleagues hold this claim" in page


# --- Bugs a new user found ---------------------------------------------------------------------
def test_a_save_returns_the_servers_progress_count_out_of_band(logged_in, reviewer, claims):
    claim_reject(claim=claims[2], actor=reviewer, expected_version=1)
    body = post_verdict(logged_in, claims[0], HTMX).content.decode()
    assert '<span id="review-progress" hx-swap-oob="true" data-mine="1" data-reviewable="2">' \
           '1 of 2 open claims reviewed by you</span>' in body


def test_saving_on_a_claim_that_no_longer_exists_answers_with_a_panel_not_a_page(
    logged_in, reviewer, claims
):
    # as re-segmentation removes one: untouched extractor output, which has no history
    machine = make_claim(claims[0].article, cue="said", content="the bridge is safe",
                         origin=Claim.Origin.MACHINE)
    gone = machine.pk
    machine.delete()
    response = logged_in.post(reverse("annotations:verdict-submit", args=[gone]),
                              {"label": "confirmed", "expected_revision": 0}, **HTMX,
                              HTTP_HX_CURRENT_URL="http://testserver/articles/1/")
    assert response.status_code == 404
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="review"')
    assert f'data-claim-gone="{gone}"' in body
    assert 'class="topbar"' not in body
    assert not Verdict.objects.exists()


def test_a_verdict_on_an_earlier_version_is_shown_as_such_and_returns_to_the_queue(
    logged_in, reviewer, other_reviewer, claims
):
    post_verdict(logged_in, claims[0], label="confirmed", content_correct="yes")
    start = TEXT.index("the bridge")
    claim_spans_update(claim=claims[0], role="content", spans=[(start, start + 10)],
                       actor=other_reviewer, expected_version=None)
    page = logged_in.get(claims[0].get_absolute_url()).content.decode()
    assert 'data-testid="outdated-verdict"' in page
    assert "You judged version 1 of this claim" in page
    assert 'class="badge v-outdated">Changed since your verdict' in page
    # The history says what changed, in words.
    assert "spans edited <span class=\"change-summary\">(content: “the bridge is safe” → " \
           "“the bridge”)</span>" in page
    # The claim is back in the reviewer's queue, and saving again judges the new words.
    assert logged_in.get(reverse("annotations:review-next")).url == claims[0].get_absolute_url()
    response = post_verdict(logged_in, claims[0], expected_revision=1, claim_version=2)
    assert response.status_code == 302
    verdict = Verdict.objects.get(claim=claims[0], reviewer=reviewer)
    assert (verdict.revision, verdict.claim_version) == (2, 2)


def test_a_verdict_typed_on_words_that_changed_meanwhile_gets_409_with_input_kept(
    logged_in, reviewer, other_reviewer, claims
):
    start = TEXT.index("the bridge")
    claim_spans_update(claim=claims[0], role="content", spans=[(start, start + 10)],
                       actor=other_reviewer, expected_version=None)
    response = post_verdict(logged_in, claims[0], HTMX, claim_version=1,
                            rationale="Typed against the old words")
    assert response.status_code == 409
    assert "Typed against the old words" in response.content.decode()
    assert not Verdict.objects.exists()


def test_saved_evidence_links_are_shown_as_links_with_their_host(logged_in, reviewer, claims):
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed",
                   evidence_links=["https://records.example.org/minutes/2024?page=3"])
    body = logged_in.get(claims[0].get_absolute_url()).content.decode()
    assert ('<a href="https://records.example.org/minutes/2024?page=3" '
            'rel="noopener noreferrer nofollow" target="_blank">'
            '<span class="host">records.example.org</span>/minutes/2024?page=3</a>') in body


# --- Blind review --------------------------------------------------------------------------------
SECRET = "The ferry timetable shows otherwise"


def test_a_reviewer_sees_no_trace_of_a_colleagues_verdict_before_giving_their_own(
    logged_in, reviewer, other_reviewer, claims
):
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="contested",
                   rationale=SECRET, evidence_links=["https://ferries.example.org/t"])
    for url in (claims[0].get_absolute_url(), reverse("annotations:article-list"), "/"):
        body = logged_in.get(url).content.decode()
        assert SECRET not in body
        assert "ferries.example.org" not in body
        assert "v-contested" not in body  # no badge of the colleague's label anywhere
        assert 'data-testid="colleagues"' not in body
        assert other_reviewer.username not in body
    panel = logged_in.get(claims[0].get_absolute_url(), **HTMX).content.decode()
    assert SECRET not in panel


def test_after_their_own_verdict_a_reviewer_sees_colleagues_without_their_names(
    logged_in, reviewer, other_reviewer, claims
):
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="contested",
                   rationale=SECRET)
    post_verdict(logged_in, claims[0], label="confirmed")
    body = logged_in.get(claims[0].get_absolute_url()).content.decode()
    assert 'data-testid="colleagues"' in body
    assert SECRET in body
    assert "<strong>Reviewer A</strong>" in body
    assert other_reviewer.username not in body


def test_blind_forever_keeps_colleagues_hidden_after_a_reviewers_own_verdict(
    settings, logged_in, reviewer, other_reviewer, claims
):
    settings.CLAIMDESK_BLIND_FOREVER = True
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="contested",
                   rationale=SECRET)
    post_verdict(logged_in, claims[0], label="confirmed")
    assert SECRET not in logged_in.get(claims[0].get_absolute_url()).content.decode()


def test_leads_see_every_verdict_with_names_and_who_changed_what(
    logged_in_lead, reviewer, other_reviewer, claims
):
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="contested",
                   rationale=SECRET)
    claim_reject(claim=claims[1], actor=other_reviewer, expected_version=1)
    body = logged_in_lead.get(claims[0].get_absolute_url()).content.decode()
    assert SECRET in body
    assert f"<strong>{other_reviewer.username}</strong>" in body
    history = logged_in_lead.get(claims[1].get_absolute_url()).content.decode()
    assert f"{other_reviewer.username}: rejected" in history


def test_a_reviewer_reads_you_or_a_reviewer_in_a_claims_history(
    logged_in, reviewer, other_reviewer, claims
):
    claim_reject(claim=claims[1], actor=other_reviewer, expected_version=1)
    body = logged_in.get(claims[1].get_absolute_url()).content.decode()
    assert "a reviewer: rejected" in body
    assert other_reviewer.username not in body


def test_a_lead_sees_a_claims_full_history_with_names_and_reasons(
    logged_in_lead, lead, reviewer, other_reviewer, claims
):
    from annotations.consensus import final_verdict_adjudicate, verdicts_token

    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed",
                   rationale="The council minutes agree.")
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="contested",
                   rationale=SECRET)
    final_verdict_adjudicate(claim=claims[0], lead=lead, label="contested",
                             reason_code="new_evidence", reason="A newer inspection report.",
                             token=verdicts_token(claim_id=claims[0].pk))
    body = logged_in_lead.get(claims[0].get_absolute_url()).content.decode()
    history = body[body.index('<details class="history">'):]
    history = history[:history.index("</details>")]
    assert f"{reviewer.username}: verdict confirmed" in history
    assert f"{other_reviewer.username}: verdict contested" in history
    assert "The council minutes agree." in history
    assert f"{lead.username}: adjudicated" in history
    assert "New evidence — A newer inspection report." in history


def test_a_reviewers_history_holds_no_verdicts(logged_in, reviewer, other_reviewer, claims):
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="contested",
                   rationale=SECRET)
    claim_reject(claim=claims[0], actor=other_reviewer, expected_version=1)
    body = logged_in.get(claims[0].get_absolute_url()).content.decode()
    assert "verdict contested" not in body
    assert SECRET not in body


def test_a_verdict_on_a_claim_that_has_its_n_verdicts_is_refused_with_input_kept(
    logged_in, reviewer, claims
):
    from tests.factories import UserFactory

    for name, label in (("first", "confirmed"), ("second", "contested")):  # open: they disagree
        verdict_submit(claim=claims[0], reviewer=UserFactory(username=name), label=label)
    response = post_verdict(logged_in, claims[0], HTMX, rationale="My own reading")
    assert response.status_code == 409
    body = response.content.decode()
    assert "already has the 2 independent verdicts it needs" in body
    assert "My own reading" in body
    assert not Verdict.objects.filter(reviewer=reviewer).exists()


# --- Query counts of the review loop (bench/load.py measures its CPU) ------------------------
def test_the_review_loop_keeps_its_query_counts(logged_in, other_reviewer):
    """Next claim, its page, the verdict saved with htmx, on a 20-claim article: before the
    load work they took 12, 15 and 30 queries (session, user and roles included), then 13,
    12 and 23, then 13, 10 and 21, then 12, 7 and 18."""
    article = article_with_claims(20)
    verdict_submit(claim=article.claims.order_by("position").first(), reviewer=other_reviewer,
                   label="contested")
    with CaptureQueriesContext(connection) as leased:
        response = logged_in.get(reverse("annotations:review-next"))
    claim = Claim.objects.get(pk=int(response.url.rsplit("claim=", 1)[1]))
    with CaptureQueriesContext(connection) as page:
        assert logged_in.get(response.url).status_code == 200
    with CaptureQueriesContext(connection) as saved:
        assert post_verdict(logged_in, claim, HTMX).status_code == 200
    assert Verdict.objects.filter(claim=claim).count() == 2  # a colleague's and this one
    # next: 2 (session; user with roles) + article left off, lock, leases, assignments,
    # candidate, recount, lease and its record, BEGIN/COMMIT; page: 2 + article, claims
    # (progress, highlights and source names from them), spans, history, lease; save: 2 +
    # claim, the verdict's transaction (9: the claim and the reviewer's leases read once),
    # whether the article is long, its claims (the next one, numbers and progress from
    # them), the spans of the saved and the next, history, lease
    counts = {"next": len(leased), "page": len(page), "save": len(saved)}
    assert all(counts[kind] <= most for kind, most in {"next": 12, "page": 7, "save": 18}
               .items()), counts
