import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.generics import ListAPIView
from rest_framework.settings import api_settings
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from annotations.api.pagination import KeysetPagination
from annotations.api.serializers import ArticleSerializer
from claims.models import Article, Claim
from claims.services import article_delete
from tests.conftest import all_pages, queries_per_page
from tests.factories import ArticleFactory, article_with_claims

pytestmark = pytest.mark.django_db

ARTICLES = "/api/articles/"
TEXT = ("The harbour board said on Tuesday that the fictional ferry line would reopen in "
        "spring. \"We have the money,\" the mayor of Lowbridge told reporters.")


def test_list_is_newest_first_and_cursor_pages_cover_every_article_once(api):
    articles = ArticleFactory.create_batch(7)
    # Same creation time for several: the id breaks the tie, so the order stays total.
    Article.objects.filter(pk__in=[a.pk for a in articles[2:5]]).update(
        created_at=articles[2].created_at)
    expected = list(Article.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    assert all_pages(api, f"{ARTICLES}?page_size=3") == expected
    first = api.get(f"{ARTICLES}?page_size=3").json()
    assert len(first["results"]) == 3
    assert "cursor=" in first["next"]
    assert first["previous"] is None


def test_list_shows_fields_and_standing_claim_counts_without_the_text(api):
    article = article_with_claims(3)
    Claim.objects.filter(pk=article.claims.order_by("position").first().pk).update(
        status=Claim.Status.REJECTED)
    row = api.get(ARTICLES).json()["results"][0]
    assert row["id"] == article.pk
    assert row["n_claims"] == 2
    assert row["segmentation_status"] == "done"
    assert {"title", "outlet", "url", "published_on", "created_at"} <= set(row)
    assert "text" not in row


def test_deleted_articles_are_neither_listed_nor_retrievable(api, lead):
    kept, deleted = ArticleFactory.create_batch(2)
    article_delete(article=deleted, actor=lead, reason="Posted twice")
    assert [r["id"] for r in api.get(ARTICLES).json()["results"]] == [kept.pk]
    assert api.get(f"{ARTICLES}{deleted.pk}/").status_code == 404


def test_previous_links_walk_back_over_the_same_pages(api):
    ArticleFactory.create_batch(7)
    pages, url = [], f"{ARTICLES}?page_size=3"
    while url:
        body = api.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        last, url = body, body["next"]
    back, url = [], last["previous"]
    while url:
        body = api.get(url).json()
        back.append([row["id"] for row in body["results"]])
        url = body["previous"]
    assert back == pages[-2::-1]


@pytest.mark.parametrize("cursor", ["nonsense", "cD0xMg==", "cD1bMSwgMl0=",
                                    "cD1bIm5vdCBhIGRhdGUiLCAxXQ=="])
def test_a_cursor_the_list_did_not_give_out_answers_400(api, cursor):
    ArticleFactory()
    response = api.get(f"{ARTICLES}?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.parametrize("ordering", [None, ("-created_at",), ("title", "created_at")])
def test_a_list_whose_ordering_is_not_total_fails_loudly(reviewer, ordering):
    # The project's default pagination class has no ordering: each list must name one ending
    # with the primary key (DRF's default, "-created", is no model's field).
    class Paging(KeysetPagination):
        pass

    Paging.ordering = ordering

    class Unordered(ListAPIView):
        queryset = Article.objects.all()
        serializer_class = ArticleSerializer
        pagination_class = Paging if ordering else api_settings.DEFAULT_PAGINATION_CLASS

    request = APIRequestFactory().get(ARTICLES)
    force_authenticate(request, user=reviewer)
    with pytest.raises(ImproperlyConfigured, match="is not total"):
        Unordered.as_view()(request)


def test_list_query_count_does_not_grow_with_page_size(api):
    for _ in range(55):
        ArticleFactory()
    few, many = queries_per_page(api, ARTICLES)
    assert few == many


def test_retrieve_includes_the_text(api):
    article = ArticleFactory()
    body = api.get(f"{ARTICLES}{article.pk}/").json()
    assert body["text"] == article.text
    assert body["title"] == article.title


def test_create_stores_the_article_via_the_api_and_queues_segmentation(
        api, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = api.post(ARTICLES, {"title": "Ferry line", "text": TEXT,
                                       "url": "https://example.org/ferry",
                                       "published_on": "2026-03-01"}, format="json")
    assert response.status_code == 201
    article = Article.objects.get()
    assert response.json()["id"] == article.pk
    assert response.json()["segmentation_status"] == "pending"
    assert article.submitted_via == Article.Via.API
    assert article.submitted_by == reviewer
    assert article.segmentation_queued_at is not None
    assert len(queued) == 1  # the segmentation task, sent when the transaction commits


def test_create_with_a_stored_text_answers_200_with_the_existing_article(api):
    first = api.post(ARTICLES, {"text": TEXT}, format="json")
    again = api.post(ARTICLES, {"text": TEXT.replace("\n", "\r\n"), "title": "Other"},
                     format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Article.objects.count() == 1


@pytest.mark.parametrize(("data", "field"), [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": "Fine text.", "url": "not a url"}, "url"),
    ({"text": "Fine text.", "published_on": "yesterday"}, "published_on"),
    ({"text": "Nul \x00 byte"}, "text"),
    ({"text": "Fine text.", "title": "t" * 501}, "title"),
])
def test_create_with_bad_input_answers_400_with_field_errors_and_saves_nothing(api, data,
                                                                               field):
    response = api.post(ARTICLES, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Article.objects.exists()


def test_segmentation_status(api):
    article = ArticleFactory(segmentation_status=Article.Segmentation.FAILED,
                             segmentation_attempts=3, segmentation_error="Model missing")
    body = api.get(f"{ARTICLES}{article.pk}/segmentation/").json()
    assert body["status"] == "failed"
    assert body["attempts"] == 3
    assert body["error"] == "Model missing"


def test_session_post_without_csrf_is_refused(reviewer):
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.force_login(reviewer)
    response = csrf_client.post(ARTICLES, {"text": TEXT}, format="json")
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_api_root_lists_articles(api):
    assert "articles" in api.get("/api/").json()



def test_a_token_downloads_every_export_format(api, reviewer):
    article = article_with_claims(2)
    jsonl = api.get("/api/export/claims.jsonl", HTTP_ACCEPT="text/csv")
    assert jsonl.status_code == 200
    lines = b"".join(jsonl.streaming_content).decode().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("{") for line in lines)
    csv_body = b"".join(api.get("/api/export/claims.csv").streaming_content).decode()
    assert csv_body.count("\n") == 3  # header and two claims
    review = api.get("/api/export/claims.claimreview.json")
    assert json.loads(b"".join(review.streaming_content)) == []  # nothing final yet
    assert str(article.pk) in lines[0]


def test_an_export_without_a_token_or_session_answers_401():
    response = APIClient().get("/api/export/claims.csv")
    assert response.status_code == 401


def test_the_api_docs_page_loads_its_assets_from_this_server(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower()
    # The start-up script comes from the same view as a file (the CSP allows no inline one).
    script = client.get("/api/docs/?script=").content.decode()
    assert "/api/schema/" in script
    assert "cdn" not in script.lower()


def test_a_signed_out_browser_is_sent_from_the_api_docs_to_log_in_and_back(client):
    page = client.get("/api/docs/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/?next=/api/docs/"
    # A script that sent a token still gets the API's answer.
    assert client.get("/api/docs/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_the_browsable_api_offers_a_signed_out_visitor_the_way_to_log_in(client, reviewer):
    page = client.get("/api/claims/?status=open", HTTP_ACCEPT="text/html")
    assert page.status_code == 401
    assert 'href="/accounts/login/?next=/api/claims/%3Fstatus%3Dopen"' in page.content.decode()
    client.force_login(reviewer)
    page = client.get("/api/claims/", HTTP_ACCEPT="text/html").content.decode()
    assert "rev1" in page
    assert 'href="/account/tokens/"' in page


def test_the_browsable_api_has_no_inline_style_element_and_allows_only_drfs_float_by_hash(
        client, reviewer, api):
    client.force_login(reviewer)
    page = client.get("/api/claims/", HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")
    assert "<style" not in page.content.decode()
    assert 'style="float: right; margin-right: 10px"' in page.content.decode()
    assert ("style-src 'self' 'unsafe-hashes' "
            "'sha256-OfgyIBrd+/vP79JdFMYP+re4T+fIenvkrHPD2HZ8/cs='") in page[
        "Content-Security-Policy"]
    # JSON answers and the app's pages keep the policy as it is.
    for response in (api.get("/api/claims/"), client.get("/articles/")):
        assert "style-src 'self';" in response["Content-Security-Policy"] + ";"
        assert "unsafe" not in response["Content-Security-Policy"]


def test_the_schema_refuses_in_json_like_the_rest_of_the_api(api):
    # Its own renderers wrote these as YAML ("detail:\n  string: ...").
    anonymous = APIClient().get("/api/schema/")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/json"
    assert anonymous.json() == {"detail": "Authentication credentials were not provided."}
    not_allowed = api.post("/api/schema/")
    assert not_allowed.status_code == 405
    assert not_allowed["Content-Type"] == "application/json"
    assert not_allowed.json() == {"detail": 'Method "POST" not allowed.'}
    unknown_format = api.get("/api/schema/?format=xml")
    assert unknown_format.status_code == 404
    assert unknown_format["Content-Type"] == "application/json"


def test_the_schema_itself_is_yaml_unless_json_is_asked_for(api):
    yaml = api.get("/api/schema/")
    assert yaml.status_code == 200
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.content.startswith(b"openapi: ")
    by_format = api.get("/api/schema/?format=json")
    assert by_format["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert json.loads(by_format.content)["openapi"].startswith("3.")
    by_accept = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert by_accept["Content-Type"].startswith("application/json")
    documented = json.loads(by_accept.content)["paths"]["/api/schema/"]["get"]["responses"]
    assert list(documented["401"]["content"]) == ["application/json"]
