"""The claim exports through HTTP: formats, blind review, filters, what is left out, the
query count and CSV formula escaping."""

import csv
import datetime
import io
import json
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotations import export_views, exports
from annotations.consensus import final_verdict_adjudicate, verdicts_token
from annotations.models import FinalVerdict
from annotations.services import verdict_submit
from claims.models import Claim, Source
from claims.services import article_delete, claim_reject
from claims.services.sources import source_resolve
from tests.factories import (
    ArticleFactory,
    UserFactory,
    article_with_claims,
    article_with_claims_in_bulk,
    make_claim,
)

pytestmark = pytest.mark.django_db

JSONL, CSV, CLAIMREVIEW = ("annotations:export-jsonl", "annotations:export-csv",
                           "annotations:export-claimreview")


def _body(response) -> str:
    assert response.status_code == 200, response.content
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return b"".join(response.streaming_content).decode()


def jsonl(client, **params) -> list[dict]:
    body = _body(client.get(reverse(JSONL), params))
    return [json.loads(line) for line in body.splitlines()]


def csv_rows(client, **params) -> list[dict]:
    return list(csv.DictReader(io.StringIO(_body(client.get(reverse(CSV), params)))))


def claimreviews(client, **params) -> list[dict]:
    return json.loads(_body(client.get(reverse(CLAIMREVIEW), params)))


def _claims(article) -> list[Claim]:
    return list(article.claims.order_by("position"))


@pytest.fixture
def desk(reviewer, other_reviewer, lead):
    """Claim 0 final (unanimous, confirmed); claim 1 with rev2's verdict only; claim 2 open."""
    article = article_with_claims(3, url="https://news.example/pier", outlet="Harbour Post",
                                  published_on=datetime.date(2026, 3, 2))
    for i, claim in enumerate(_claims(article)):
        Claim.objects.filter(pk=claim.pk).update(source=source_resolve(name=f"Speaker {i}"))
    first, second, third = _claims(article)
    verdict_submit(claim=first, reviewer=reviewer, label="confirmed",
                   rationale="The port log lists the closure.",
                   evidence_links=["https://port.example/log"])
    verdict_submit(claim=first, reviewer=other_reviewer, label="confirmed",
                   rationale="Two crews said so.")
    verdict_submit(claim=second, reviewer=other_reviewer, label="contested",
                   rationale="The pier was open on Monday.")
    return article


def test_jsonl_has_one_object_per_claim_with_article_spans_and_texts(logged_in_lead, desk):
    rows = jsonl(logged_in_lead)
    assert [row["position"] for row in rows] == sorted(row["position"] for row in rows)
    assert len(rows) == 3
    first = rows[0]
    assert first["article"] == {"id": desk.pk, "title": desk.title,
                                "url": "https://news.example/pier", "outlet": "Harbour Post",
                                "published_on": "2026-03-02"}
    assert first["texts"] == {"source": "Speaker 0 ", "cue": "said",
                              "content": "the pier number 0 was closed"}
    start, end = first["spans"]["content"][0]
    assert desk.text[start:end] == "the pier number 0 was closed"
    assert first["status"] == "final"
    assert first["kind"]


def test_jsonl_names_each_fact_as_the_claims_api_does_with_the_same_value(
        logged_in_lead, lead, api_as, desk):
    """One claim, one set of names: a JSON Lines line has the claims API's fields (but
    my_verdict, which the line's verdicts hold) with equal values, and its verdicts."""
    lines = {row["id"]: row for row in jsonl(logged_in_lead)}
    api_rows = {row["id"]: row for row in api_as(lead).get("/api/claims/").json()["results"]}
    assert lines.keys() == api_rows.keys()
    for claim_id, api_row in api_rows.items():
        line = lines[claim_id]
        assert set(line) == set(api_row) - {"my_verdict"} | {"verdicts"}
        for name in set(api_row) - {"my_verdict", "spans", "created_at", "final_verdict"}:
            assert line[name] == api_row[name], name
        assert _instant(line["created_at"]) == _instant(api_row["created_at"])
        # The same offsets: [start, end] pairs in the file, {"start", "end"} in the API.
        assert line["spans"] == {role: [[s["start"], s["end"]] for s in spans]
                                 for role, spans in api_row["spans"].items()}
        final, api_final = line["final_verdict"], api_row["final_verdict"]
        assert (final is None) == (api_final is None)
        if final is not None:
            assert set(final) <= set(api_final)
            for name in set(final) - {"decided_at"}:
                assert final[name] == api_final[name], name
            assert _instant(final["decided_at"]) == _instant(api_final["decided_at"])
    first = lines[_claims(desk)[0].pk]
    assert first["attribution_version"] == 1
    assert first["source"] == {"id": _claims(desk)[0].source_id, "name": "Speaker 0",
                               "kind": first["source"]["kind"]}
    assert "version" not in first
    assert "published" not in first["article"]


def _instant(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_lead_sees_every_verdict_with_names_and_the_final_verdict(logged_in_lead, desk):
    first, second, third = jsonl(logged_in_lead)
    assert [(v["reviewer"], v["label"]) for v in first["verdicts"]] == [
        ("rev1", "confirmed"), ("rev2", "confirmed")]
    verdict = first["verdicts"][0]
    assert verdict["evidence_links"] == ["https://port.example/log"]
    assert verdict["current"] is True
    assert verdict["claim_version"] == 1
    assert verdict["created_at"]
    assert verdict["updated_at"]
    assert first["final_verdict"]["label"] == "confirmed"
    assert first["final_verdict"]["provenance"] == "unanimous"
    assert [v["reviewer"] for v in second["verdicts"]] == ["rev2"]
    assert second["final_verdict"] is None
    assert third["verdicts"] == []


def test_a_reviewer_without_their_own_verdict_sees_no_colleague_verdict_nor_final(
        client, desk):
    client.force_login(UserFactory(username="rev3"))
    rows = jsonl(client)
    assert all(row["verdicts"] == [] and row["final_verdict"] is None for row in rows)
    assert rows[0]["status"] == "final"
    assert claimreviews(client) == []
    assert all(row["verdicts_visible"] == "0" and row["final_label"] == ""
               for row in csv_rows(client))


def test_a_reviewer_with_their_own_verdict_sees_colleagues_without_names(logged_in, desk):
    first, second, _ = jsonl(logged_in)
    assert [(v["reviewer"], v["mine"]) for v in first["verdicts"]] == [
        ("rev1", True), (None, False)]
    assert first["final_verdict"]["label"] == "confirmed"
    assert first["final_verdict"]["decided_by"] is None
    assert second["verdicts"] == []  # rev2's verdict on a claim rev1 has not judged


def test_final_label_filter_does_not_reveal_final_verdicts_to_a_blind_reviewer(client, desk):
    client.force_login(UserFactory(username="rev3"))
    assert jsonl(client, final_label="confirmed") == []


def test_filters_article_source_kind_status_and_final_label(logged_in_lead, desk):
    other = article_with_claims(2)
    assert len(jsonl(logged_in_lead)) == 5
    assert {row["article"]["id"] for row in jsonl(logged_in_lead, article=other.pk)} == {
        other.pk}
    first = _claims(desk)[0]
    assert [row["id"] for row in jsonl(logged_in_lead, source=first.source_id)] == [first.pk]
    assert [row["id"] for row in jsonl(logged_in_lead, status="final")] == [first.pk]
    assert [row["id"] for row in jsonl(logged_in_lead, final_label="confirmed")] == [first.pk]
    assert jsonl(logged_in_lead, final_label="contested") == []
    Claim.objects.filter(pk=first.pk).update(kind=Claim.Kind.DIRECT)
    assert [row["claim_id"] for row in csv_rows(logged_in_lead, kind="direct")] == [
        str(first.pk)]


@pytest.mark.parametrize("export", [JSONL, CSV, CLAIMREVIEW])
def test_a_bad_filter_is_refused_before_streaming_with_the_claims_lists_json_400(
        api, desk, export):
    params = {"created_after": "yesterday", "kind": "rumour", "article": "x"}
    response = api.get(reverse(export), params)
    assert response.status_code == 400
    assert not response.streaming
    assert response["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response
    assert response.json() == api.get("/api/claims/", params).json() == {
        "created_after": ["Enter a valid date/time."],
        "kind": ["Select a valid choice. rumour is not one of the available choices."],
        "article": ["Enter a whole number."],
    }


def test_deleted_articles_and_rejected_claims_are_not_exported(logged_in_lead, desk, lead):
    gone = article_with_claims(2)
    article_delete(article=gone, actor=lead, reason="Duplicate of another dispatch.")
    third = _claims(desk)[2]
    claim_reject(claim=third, actor=lead, expected_version=None)
    ids = {row["id"] for row in jsonl(logged_in_lead)}
    assert ids == {claim.pk for claim in _claims(desk)[:2]}


def test_csv_summarises_verdicts_in_columns(logged_in_lead, desk):
    rows = csv_rows(logged_in_lead)
    assert list(rows[0]) == list(exports.CSV_HEADER)
    first, second, _ = rows
    assert (first["final_label"], first["final_provenance"], first["verdicts_visible"],
            first["verdict_labels"]) == ("confirmed", "unanimous", "2", "confirmed|confirmed")
    assert (second["final_label"], second["verdicts_visible"]) == ("", "1")
    assert first["content_text"] == "the pier number 0 was closed"


def test_csv_cells_that_could_run_as_formulas_are_escaped(logged_in_lead, reviewer):
    article = ArticleFactory(title="=HYPERLINK(\"http://evil.example\")",
                             outlet="+Harbour", text="@Mayor said -5 boats sank.")
    claim = make_claim(article, content="-5 boats sank", source="@Mayor")
    verdict_submit(claim=claim, reviewer=reviewer, label="contested",
                   rationale="\tNo record of it.")
    (row,) = csv_rows(logged_in_lead)
    assert row["article_title"] == "'=HYPERLINK(\"http://evil.example\")"
    assert row["article_outlet"] == "'+Harbour"
    assert row["source_text"] == "'@Mayor"
    assert row["content_text"] == "'-5 boats sank"
    assert exports.csv_safe("\rcmd") == "'\rcmd"
    assert exports.csv_safe("harmless = fine") == "harmless = fine"


def test_claimreview_for_unanimous_and_adjudicated_only(logged_in_lead, desk, reviewer,
                                                        other_reviewer, lead, settings):
    settings.CLAIMDESK_PUBLIC_BASE_URL = "https://desk.example/"
    settings.CLAIMDESK_ORGANISATION_NAME = "Harbour Fact Desk"
    settings.CLAIMDESK_ORGANISATION_URL = "https://factdesk.example"
    first, second, third = _claims(desk)
    Source.objects.filter(pk=first.source_id).update(kind=Source.Kind.PERSON)
    Source.objects.filter(pk=second.source_id).update(kind=Source.Kind.GOVERNMENT)
    verdict_submit(claim=second, reviewer=reviewer, label="confirmed")
    final_verdict_adjudicate(claim=second, lead=lead, label="contested",
                             reason_code=FinalVerdict.Reason.NEW_EVIDENCE,
                             reason="A harbour notice dated that day.",
                             token=verdicts_token(claim_id=second.pk))
    reviews = claimreviews(logged_in_lead)
    assert len(reviews) == 2  # the third claim has no final verdict
    unanimous, adjudicated = reviews
    assert unanimous["@context"] == "https://schema.org"
    assert unanimous["@type"] == "ClaimReview"
    assert unanimous["url"] == (f"https://desk.example/articles/{desk.pk}/?claim={first.pk}"
                                f"#claim-{first.pk}")
    assert unanimous["claimReviewed"] == "the pier number 0 was closed"
    assert unanimous["reviewRating"] == {
        "@type": "Rating", "alternateName": "Confirmed",
        "ratingExplanation": "The port log lists the closure.\n\nTwo crews said so."}
    assert "ratingValue" not in unanimous["reviewRating"]
    assert unanimous["author"] == {"@type": "Organization", "name": "Harbour Fact Desk",
                                   "url": "https://factdesk.example"}
    datetime.date.fromisoformat(unanimous["datePublished"])
    item = unanimous["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"] == {"@type": "Person", "name": "Speaker 0"}
    assert item["datePublished"] == "2026-03-02"
    assert item["appearance"] == [{"@type": "CreativeWork", "url": "https://news.example/pier"}]
    assert item["firstAppearance"] == {"@type": "CreativeWork",
                                       "url": "https://news.example/pier"}
    assert adjudicated["reviewRating"]["alternateName"] == "Contested"
    assert adjudicated["reviewRating"]["ratingExplanation"] == (
        "A harbour notice dated that day.")
    assert adjudicated["itemReviewed"]["author"]["@type"] == "Organization"


def test_claimreview_leaves_out_what_the_article_does_not_know(logged_in_lead, reviewer,
                                                               other_reviewer):
    article = ArticleFactory(text="A spokesperson said the ferry was late.", url="",
                             published_on=None)
    claim = make_claim(article, content="the ferry was late")
    for user in (reviewer, other_reviewer):
        verdict_submit(claim=claim, reviewer=user, label="unverifiable")
    (review,) = claimreviews(logged_in_lead)
    assert review["itemReviewed"] == {"@type": "Claim"}
    assert review["reviewRating"]["alternateName"] == "Unverifiable"
    assert review["reviewRating"]["ratingExplanation"] == ""


def test_claimreview_gives_a_rationale_two_reviewers_wrote_alike_once(logged_in_lead, reviewer,
                                                                       other_reviewer):
    claim = make_claim(ArticleFactory(text="The dockers said the strike was over."),
                       content="the strike was over")
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed",
                   rationale="The dockers' union posted a notice on its site.")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed",
                   rationale="  The dockers' union posted a notice on its site.\n")
    (review,) = claimreviews(logged_in_lead)
    assert review["reviewRating"]["ratingExplanation"] == (
        "The dockers' union posted a notice on its site.")


def _desk_of(n_claims: int, reviewers) -> int:
    article = article_with_claims(n_claims)
    source = source_resolve(name="The harbour office")
    Claim.objects.filter(article=article).update(source=source)
    for claim in _claims(article):
        for user in reviewers:
            verdict_submit(claim=claim, reviewer=user, label="confirmed", rationale="Logged.")
    return article.pk


@pytest.mark.parametrize("name", [JSONL, CSV, CLAIMREVIEW])
def test_the_query_count_does_not_grow_with_the_claims_in_a_chunk(
        logged_in_lead, reviewer, other_reviewer, name):
    def queries_for(n_claims: int) -> int:
        article_id = _desk_of(n_claims, [reviewer, other_reviewer])
        with CaptureQueriesContext(connection) as captured:
            body = b"".join(logged_in_lead.get(reverse(name), {"article": article_id})
                            .streaming_content)
        assert str(article_id).encode() in body
        return len(captured)

    assert queries_for(5) == queries_for(50)


def test_chunks_walk_every_claim_once_in_reading_order(logged_in_lead, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 3)
    for _ in range(3):
        article_with_claims(4)
    expected = list(Claim.objects.order_by("article_id", "position", "id")
                    .values_list("id", flat=True))
    assert [row["id"] for row in jsonl(logged_in_lead)] == expected


def test_the_article_list_links_the_three_exports(logged_in):
    page = logged_in.get(reverse("annotations:article-list")).content.decode()
    for name in (JSONL, CSV, CLAIMREVIEW):
        assert f'href="{reverse(name)}"' in page


@pytest.mark.parametrize("name", [JSONL, CSV, CLAIMREVIEW])
def test_a_large_export_streams_and_its_queries_grow_with_chunks_not_claims(
        logged_in_lead, reviewer, other_reviewer, monkeypatch, name):
    big, small = (article_with_claims_in_bulk(n, reviewers=[reviewer, other_reviewer])
                  for n in (3400, 1800))
    finals = Claim.objects.order_by("position")[::3]
    Claim.objects.filter(pk__in=[claim.pk for claim in finals]).update(
        status=Claim.Status.FINAL)
    FinalVerdict.objects.bulk_create([
        FinalVerdict(claim=claim, label="confirmed", provenance="unanimous",
                     decided_at=timezone.now(), claim_version=1) for claim in finals])
    monkeypatch.setattr(export_views, "WRITE_SIZE", 1)  # send each piece as it is made

    def export(article, chunk: int) -> tuple[int, int, int]:
        """Queries made before the body is read, once its first piece is, and in all."""
        monkeypatch.setattr(exports, "CHUNK", chunk)
        with CaptureQueriesContext(connection) as captured:
            response = logged_in_lead.get(reverse(name), {"article": article.pk})
            assert isinstance(response, StreamingHttpResponse)
            counts = [len(captured)]
            pieces = iter(response.streaming_content)
            body = next(pieces)
            counts.append(len(captured))
            body += b"".join(pieces)
            counts.append(len(captured))
        if name == JSONL:
            assert len(body.splitlines()) == article.claims.count()
        return tuple(counts)

    # Four chunks either way: 3,400 claims 1,000 at a time, or 1,800 claims 500 at a time.
    big_chunks, small_chunks = export(big, 1000), export(small, 500)
    assert big_chunks == small_chunks
    before, first_piece, total = big_chunks
    assert before < first_piece < total  # the body is read from the database as it is sent
    assert export(big, 500)[2] - total == 3 * (first_piece - before)  # 7 chunks, not 4


def test_the_readme_says_exports_are_served_by_wsgi():
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "Exports are served by the WSGI processes" in readme
    assert "under ASGI Django would collect" in readme


def test_the_article_page_links_the_exports_of_its_claims(logged_in, desk):
    page = logged_in.get(desk.get_absolute_url()).content.decode()
    for name in (JSONL, CSV, CLAIMREVIEW):
        assert f'href="{reverse(name)}?article={desk.pk}"' in page


def test_the_lead_dashboard_links_the_exports_of_final_claims(logged_in_lead, desk):
    page = logged_in_lead.get(reverse("annotations:lead-dashboard")).content.decode()
    for name in (JSONL, CSV):
        assert f'href="{reverse(name)}?status=final"' in page
    assert f'href="{reverse(CLAIMREVIEW)}"' in page  # final verdicts only, by its nature
    rows = jsonl(logged_in_lead, status="final")
    assert [row["status"] for row in rows] == ["final"]


def _read_ahead_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "export-read-ahead"]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_next_chunk_is_read_while_this_one_is_sent(
        logged_in_lead, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 3)
    monkeypatch.setattr(export_views, "WRITE_SIZE", 1)
    for _ in range(3):
        article_with_claims(4)
    expected = list(Claim.objects.order_by("article_id", "position", "id")
                    .values_list("id", flat=True))
    response = logged_in_lead.get(reverse(JSONL))
    pieces = iter(response.streaming_content)
    body = next(pieces)
    assert len(_read_ahead_threads()) == 1  # reading the next chunk on its own connection
    body += b"".join(pieces)
    assert [json.loads(line)["id"] for line in body.splitlines()] == expected
    assert _read_ahead_threads() == []


@pytest.mark.django_db(transaction=True)
def test_a_download_given_up_stops_its_read_ahead(logged_in_lead, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 3)
    monkeypatch.setattr(export_views, "WRITE_SIZE", 1)
    article_with_claims(20)
    response = logged_in_lead.get(reverse(CSV))
    next(iter(response.streaming_content))
    response.close()  # what the WSGI server does when the client goes away
    assert _read_ahead_threads() == []


def test_a_verdict_on_an_earlier_version_of_the_claim_is_exported_as_not_current(
        logged_in_lead, desk):
    first = _claims(desk)[0]
    Claim.objects.filter(pk=first.pk).update(attribution_version=2)
    row = jsonl(logged_in_lead, article=desk.pk)[0]
    assert [v["current"] for v in row["verdicts"]] == [False, False]
    assert [v["claim_version"] for v in row["verdicts"]] == [1, 1]
