import pytest
from django.contrib import admin
from django.urls import reverse

from annotations.services import verdict_submit
from claims.models import Article, Source
from claims.services import source_alias_add, source_resolve
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(reviewer):
    article = ArticleFactory(text="The army said it <b>won</b>. The rebels denied it.")
    claim = make_claim(article, content="it <b>won</b>", source="The army", created_by=reviewer)
    claim.source = source_resolve(name="the army")
    claim.save(update_fields=["source"])
    source_alias_add(source=claim.source, alias="the troops")
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=reviewer, label="contested")
    return article


@pytest.mark.parametrize("model", [m for m in admin.site._registry
                                   if m._meta.app_label in {"claims", "annotations"}],
                         ids=lambda m: m._meta.model_name)
def test_admin_changelist_and_change_pages_load_for_every_model(client, admin_user, populated,
                                                                model):
    client.force_login(admin_user)
    meta = model._meta
    changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model.objects.first()
    change = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change",
                                args=[obj.pk]))
    assert change.status_code == 200


def test_every_model_is_registered():
    from django.apps import apps

    for app_label in ("claims", "annotations"):
        for model in apps.get_app_config(app_label).get_models():
            assert model in admin.site._registry, model


def test_article_page_shows_claims_inline_as_escaped_text(client, admin_user, populated):
    client.force_login(admin_user)
    response = client.get(reverse("admin:claims_article_change", args=[populated.pk]))
    body = response.content.decode()
    assert "it &lt;b&gt;won&lt;/b&gt;" in body
    assert "The army" in body


def test_admin_add_article_goes_through_article_create(client, admin_user,
                                                       django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:claims_article_add"), {
            "title": "Admin report", "text": "The mayor said the road would reopen.",
            "language": "en", "outlet": "", "url": "", "published_on": "",
        })
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.submitted_via == "admin"
    assert article.submitted_by == admin_user
    assert article.segmentation_status == "done"


def test_admin_add_article_with_nul_byte_shows_error_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_article_add"), {
        "title": "Bad", "text": "binary\x00junk", "language": "en"})
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert Article.objects.count() == 0


def test_admin_requeue_action_queues_segmentation(client, admin_user, populated):
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_article_changelist"), {
        "action": "requeue_segmentation", "_selected_action": [populated.pk]}, follow=True)
    assert response.status_code == 200
    populated.refresh_from_db()
    # In-process tasks run on commit: the reviewer's claim is still there afterwards.
    assert populated.claims.filter(origin="reviewer").count() == 1


def test_admin_source_page_adds_aliases(client, admin_user):
    source = source_resolve(name="the coast guard")
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_source_change", args=[source.pk]), {
        "name": "the coast guard", "kind": "government", "description": "",
        "aliases-TOTAL_FORMS": "1", "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0", "aliases-MAX_NUM_FORMS": "1000",
        "aliases-0-alias": "Coastguard service", "aliases-0-id": "",
        "aliases-0-source": str(source.pk),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert source_resolve(name="the Coastguard Service") == Source.objects.get(pk=source.pk)


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("page", ["article_change", "verdictrevision_list", "article_list"])
def test_admin_pages_take_as_many_queries_for_many_rows_as_for_few(client, admin_user, reviewer,
                                                                    page):
    client.force_login(admin_user)

    def build(n: int) -> str:
        text = " ".join(f"Speaker {i} said item {i} was late." for i in range(n))
        article = ArticleFactory(text=text)
        claims = [make_claim(article, cue="said", occurrence=i, source=f"Speaker {i}",
                             content=f"item {i} was late") for i in range(n)]
        for claim in claims:
            verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
        return {
            "article_change": reverse("admin:claims_article_change", args=[article.pk]),
            "verdictrevision_list": reverse("admin:annotations_verdictrevision_changelist"),
            "article_list": reverse("admin:claims_article_changelist"),
        }[page]

    few_url = build(2)
    _queries(client, few_url)  # warm-up: per-process caches (content types) fill once
    few = _queries(client, few_url)
    many = _queries(client, build(25))
    assert many == few
