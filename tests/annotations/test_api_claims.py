"""/api/claims/ through HTTP with personal tokens: shape, offsets, final verdicts and how they
were reached, blind review, the filters shared with the exports, paging and query counts."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations.consensus import final_verdict_adjudicate, verdicts_token
from annotations.models import FinalVerdict
from annotations.services import verdict_submit
from claims.models import Claim, Source
from claims.services import article_delete, claim_reject
from claims.services.sources import source_resolve
from tests.conftest import all_pages, queries_per_page
from tests.factories import ArticleFactory, UserFactory, article_with_claims, make_claim

pytestmark = pytest.mark.django_db

CLAIMS = "/api/claims/"


def _claims(article) -> list[Claim]:
    return list(article.claims.order_by("position", "id"))


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def desk(reviewer, other_reviewer, lead):
    """Claim 0 final (rev1 and rev2 agree: confirmed); claim 1 with rev2's verdict only;
    claim 2 open, untouched."""
    article = article_with_claims(3, url="https://news.example/pier")
    for i, claim in enumerate(_claims(article)):
        Claim.objects.filter(pk=claim.pk).update(
            source=source_resolve(name=f"Speaker {i}", kind=Source.Kind.PERSON))
    first, second, _ = _claims(article)
    verdict_submit(claim=first, reviewer=reviewer, label="confirmed",
                   rationale="The port log lists the closure.")
    verdict_submit(claim=first, reviewer=other_reviewer, label="confirmed",
                   rationale="Two crews said so.")
    verdict_submit(claim=second, reviewer=other_reviewer, label="contested",
                   rationale="The pier was open on Monday.")
    return article


def test_a_claim_has_its_article_spans_words_source_and_state(api_as, lead, desk):
    first = _claims(desk)[0]
    row = api_as(lead).get(CLAIMS).json()["results"][0]
    assert row["id"] == first.pk
    assert row["article"] == {"id": desk.pk, "title": desk.title,
                              "url": "https://news.example/pier", "outlet": desk.outlet,
                              "published_on": None}
    assert row["texts"] == {"source": "Speaker 0 ", "cue": "said",
                            "content": "the pier number 0 was closed"}
    for role, spans in row["spans"].items():
        assert "".join(desk.text[s["start"]:s["end"]] for s in spans) == row["texts"][role]
    assert row["source"] == {"id": first.source_id, "name": "Speaker 0", "kind": "person"}
    assert (row["kind"], row["status"], row["attribution_version"]) == ("other", "final", 1)
    assert row["position"] == first.position
    assert row["my_verdict"] is None  # the lead gave none


def test_offsets_count_code_points_so_they_index_the_text_as_python_and_js_arrays_do(
        api_as, reviewer):
    article = ArticleFactory(text="🚢⚓ Ferry news. The mayor said that the 🚢 ferry would sail.")
    make_claim(article, cue="said", content="the 🚢 ferry would sail")
    row = api_as(reviewer).get(CLAIMS).json()["results"][0]
    [content] = row["spans"]["content"]
    assert article.text[content["start"]:content["end"]] == "the 🚢 ferry would sail"
    assert row["texts"]["content"] == "the 🚢 ferry would sail"
    assert row["source"] is None


def test_a_unanimous_final_verdict_says_how_many_agreed_and_why(api_as, reviewer, desk):
    final = api_as(reviewer).get(f"{CLAIMS}{_claims(desk)[0].pk}/").json()["final_verdict"]
    assert final["label"] == "confirmed"
    assert final["provenance"] == "unanimous"
    assert final["agreeing_reviewers"] == 2
    assert final["rationale"] == "The port log lists the closure.\n\nTwo crews said so."
    assert final["decided_by"] is None
    assert final["reason_code"] == ""
    assert final["claim_version"] == 1
    assert final["decided_at"]


def test_an_adjudicated_final_verdict_names_the_lead_to_leads_only(
        api_as, reviewer, other_reviewer, lead, desk):
    second = _claims(desk)[1]
    verdict_submit(claim=second, reviewer=reviewer, label="confirmed", rationale="Seen open.")
    final_verdict_adjudicate(claim=second, lead=lead, label="contested",
                             reason_code=FinalVerdict.Reason.NEW_EVIDENCE,
                             reason="The harbour log shows it closed.",
                             token=verdicts_token(claim_id=second.pk))
    as_lead = api_as(lead).get(f"{CLAIMS}{second.pk}/").json()["final_verdict"]
    assert as_lead["provenance"] == "adjudicated"
    assert as_lead["decided_by"] == lead.username
    assert as_lead["reason_code"] == "new_evidence"
    assert as_lead["rationale"] == "The harbour log shows it closed."
    assert as_lead["agreeing_reviewers"] == 1
    as_reviewer = api_as(reviewer).get(f"{CLAIMS}{second.pk}/").json()["final_verdict"]
    assert as_reviewer["decided_by"] is None
    assert as_reviewer["reason"] == "The harbour log shows it closed."


def test_a_reviewer_without_their_own_verdict_sees_no_final_verdict(api_as, desk):
    blind = api_as(UserFactory(username="newcomer"))
    rows = blind.get(CLAIMS).json()["results"]
    assert [row["final_verdict"] for row in rows] == [None, None, None]
    assert rows[0]["status"] == "final"
    assert blind.get(f"{CLAIMS}{_claims(desk)[0].pk}/").json()["final_verdict"] is None
    assert _ids(blind.get(CLAIMS, {"final_label": "confirmed"})) == []
    assert _ids(blind.get(CLAIMS, {"finalised_after": "2000-01-01T00:00:00Z"})) == []


def test_a_reviewer_sees_their_own_verdict_with_the_revision_to_send_back(api_as, reviewer,
                                                                          desk):
    row = api_as(reviewer).get(f"{CLAIMS}{_claims(desk)[0].pk}/").json()
    assert row["my_verdict"] == {"label": "confirmed", "revision": 1, "claim_version": 1,
                                 "current": True}


def test_blind_forever_hides_final_verdicts_from_reviewers_for_good(api_as, reviewer, desk,
                                                                     settings):
    settings.CLAIMDESK_BLIND_FOREVER = True
    client = api_as(reviewer)
    assert client.get(f"{CLAIMS}{_claims(desk)[0].pk}/").json()["final_verdict"] is None
    assert _ids(client.get(CLAIMS, {"final_label": "confirmed"})) == []


def test_deleted_articles_claims_are_out_and_rejected_claims_are_in(api_as, reviewer, lead):
    kept, gone = article_with_claims(2), article_with_claims(1)
    article_delete(article=gone, actor=lead, reason="Posted twice")
    rejected = _claims(kept)[1]
    claim_reject(claim=rejected, actor=lead, expected_version=None)
    client = api_as(reviewer)
    assert _ids(client.get(CLAIMS)) == [c.pk for c in _claims(kept)]
    assert client.get(CLAIMS, {"status": "rejected"}).json()["results"][0]["status"] == \
        "rejected"
    assert client.get(f"{CLAIMS}{_claims(gone)[0].pk}/").status_code == 404


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "final"}, [0]),
    ({"status": ["open", "final"]}, [0, 1, 2]),
    ({"kind": "direct"}, [2]),
    ({"final_label": "confirmed"}, [0]),
    ({"final_label": "contested"}, []),
    ({"reviewer": "rev2"}, [0, 1]),
    ({"source": 1}, [1]),
])
def test_filters(api_as, lead, desk, params, expected):
    claims = _claims(desk)
    Claim.objects.filter(pk=claims[2].pk).update(kind=Claim.Kind.DIRECT)
    if "reviewer" in params:
        params = {"reviewer": UserFactory(username=params["reviewer"]).pk}
    if "source" in params:
        params = {"source": claims[params["source"]].source_id}
    assert _ids(api_as(lead).get(CLAIMS, params)) == [claims[i].pk for i in expected]


def test_filter_by_article(api_as, reviewer, desk):
    other = article_with_claims(2)
    assert _ids(api_as(reviewer).get(CLAIMS, {"article": other.pk})) == \
        [c.pk for c in _claims(other)]


def test_created_and_finalised_date_ranges(api_as, lead, desk):
    first, second, third = _claims(desk)
    week_ago = timezone.now() - datetime.timedelta(days=7)
    Claim.objects.filter(pk=third.pk).update(created_at=week_ago)
    FinalVerdict.objects.filter(claim=first).update(decided_at=week_ago)
    client = api_as(lead)
    day_ago = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert _ids(client.get(CLAIMS, {"created_before": day_ago})) == [third.pk]
    assert _ids(client.get(CLAIMS, {"created_after": day_ago})) == [first.pk, second.pk]
    assert _ids(client.get(CLAIMS, {"finalised_before": day_ago})) == [first.pk]
    assert _ids(client.get(CLAIMS, {"finalised_after": day_ago})) == []
    assert _ids(client.get(CLAIMS, {"created_after": week_ago.date().isoformat()})) == \
        [first.pk, second.pk, third.pk]


def test_times_with_any_iso_offset_are_taken_and_unconvertible_ones_refused(api_as, lead,
                                                                           desk):
    # PostgreSQL refuses offsets beyond ±15:59 (found by the schema fuzzing test): the filters
    # convert to UTC first.
    client = api_as(lead)
    assert _ids(client.get(CLAIMS, {"created_before": "2000-07-22T23:01:46+23:56"})) == []
    refused = client.get(CLAIMS, {"created_after": "0001-01-01T00:00:00+05:00"})
    assert refused.status_code == 400
    assert refused.json() == {"created_after": ["This date and time is out of range."]}


def test_a_reviewer_may_filter_by_their_own_verdicts_only(api_as, reviewer, other_reviewer,
                                                           desk):
    client = api_as(reviewer)
    assert _ids(client.get(CLAIMS, {"reviewer": reviewer.pk})) == [_claims(desk)[0].pk]
    refused = client.get(CLAIMS, {"reviewer": other_reviewer.pk})
    assert refused.status_code == 400
    assert "Only leads" in refused.json()["reviewer"][0]


@pytest.mark.parametrize("params", [
    {"status": "closed"}, {"article": "first"}, {"article": "1.5"}, {"article": 0},
    {"created_after": "last tuesday"}, {"final_label": "true"},
])
def test_bad_filters_answer_400_naming_the_parameter(api_as, reviewer, desk, params):
    response = api_as(reviewer).get(CLAIMS, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize("query", [
    "", "status=final", "status=open&status=final", "status=rejected", "kind=other",
    "final_label=confirmed", "reviewer=REV2", "created_after=2000-01-01T00:00:00Z",
    "finalised_before=2000-01-01T00:00:00Z", "status=closed",
])
def test_the_claims_list_and_the_exports_filter_alike(api_as, reviewer, other_reviewer, lead,
                                                      desk, query):
    # One FilterSet: an export holds the claims the list holds, less the rejected ones.
    claim_reject(claim=_claims(desk)[2], actor=lead, expected_version=None)
    query = query.replace("REV2", str(other_reviewer.pk))
    for user in (reviewer, lead):
        client = api_as(user)
        listed = client.get(f"{CLAIMS}?{query}&page_size=500")
        export = client.get(f"{reverse('annotations:export-jsonl')}?{query}")
        assert listed.status_code == export.status_code, (user, query)
        if listed.status_code != 200:
            continue
        exported = [json.loads(line)["id"]
                    for line in b"".join(export.streaming_content).decode().splitlines()]
        assert exported == [row["id"] for row in listed.json()["results"]
                            if row["status"] != "rejected"], (user, query)


def test_pages_follow_reading_order_and_cover_every_claim_once(api_as, reviewer):
    articles = [article_with_claims(4), article_with_claims(3)]
    # Two claims at the same position: the id breaks the tie.
    Claim.objects.filter(pk=_claims(articles[0])[2].pk).update(
        position=_claims(articles[0])[1].position)
    expected = list(Claim.objects.order_by("article_id", "position", "id")
                    .values_list("id", flat=True))
    client = api_as(reviewer)
    assert all_pages(client, f"{CLAIMS}?page_size=2") == expected
    assert all_pages(client, f"{CLAIMS}?page_size=3&article={articles[1].pk}") == \
        [c.pk for c in _claims(articles[1])]


def test_a_page_cursor_stays_valid_when_claims_are_added_before_it(api_as, reviewer):
    article = article_with_claims(4)
    client = api_as(reviewer)
    first = client.get(f"{CLAIMS}?page_size=2").json()
    article_with_claims(2)  # a later article: after the cursor in reading order
    rest = all_pages(client, first["next"])
    assert rest == [c.pk for c in _claims(article)][2:] + list(
        Claim.objects.exclude(article=article).order_by("position", "id")
        .values_list("id", flat=True))


def test_query_count_does_not_grow_with_page_size(api_as, reviewer, other_reviewer):
    for _ in range(13):
        article = article_with_claims(4)
        for claim in _claims(article)[:2]:
            verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    few, many = queries_per_page(api_as(reviewer), f"{CLAIMS}?status=open&status=final")
    assert few == many


def test_a_signed_in_browser_session_may_read_the_claims(client, reviewer, desk):
    client.force_login(reviewer)
    response = client.get(CLAIMS, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
