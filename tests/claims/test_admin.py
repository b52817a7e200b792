import pytest
from django.contrib import admin
from django.urls import reverse

from annotations.services import verdict_submit
from claims.models import Article, Source, SourceAlias
from claims.services import source_alias_add, source_by_name, source_resolve
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


def _source_post(name: str, kind: str = "other", aliases=(), source_pk: int | None = None):
    data = {"name": name, "kind": kind, "description": "",
            "aliases-TOTAL_FORMS": str(len(aliases)), "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0", "aliases-MAX_NUM_FORMS": "1000"}
    for i, alias in enumerate(aliases):
        data[f"aliases-{i}-alias"] = alias
        data[f"aliases-{i}-id"] = ""
        data[f"aliases-{i}-source"] = str(source_pk) if source_pk else ""
    return data


@pytest.mark.parametrize("taken", ["The Harbour Master's", "the port chief"])
def test_admin_add_source_with_a_taken_name_shows_the_entity_and_saves_nothing(
        client, admin_user, taken):
    master = source_resolve(name="the harbour master")
    source_alias_add(source=master, alias="the port chief")
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_source_add"), _source_post(taken))
    assert response.status_code == 200
    body = response.content.decode()
    assert "is already the source entity" in body
    assert f'<a href="{reverse("admin:claims_source_change", args=[master.pk])}">' in body
    assert Source.objects.count() == 1


def test_admin_add_source_goes_through_the_service_with_its_aliases(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_source_add"),
                           _source_post("The Lantern Island Ferry Company", "organisation",
                                        aliases=["the ferry operator"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    source = Source.objects.get()
    assert source.normalized_name == "lantern island ferry company"
    assert source.kind == "organisation"
    assert source_by_name("The ferry operator") == source


@pytest.mark.parametrize(("alias", "error"), [
    ("the lantern ferry", "is already how"),
    ("The Rebels", "is the name of another source entity"),
    ("the fighters", "is already an alias of another source"),
])
def test_admin_add_source_with_a_refused_alias_shows_it_on_the_row_and_saves_nothing(
        client, admin_user, alias, error):
    rebels = source_resolve(name="the rebels")
    source_alias_add(source=rebels, alias="the fighters")
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_source_add"),
                           _source_post("The Lantern Ferry", aliases=[alias]))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert list(Source.objects.all()) == [rebels]
    assert SourceAlias.objects.count() == 1


@pytest.mark.parametrize(("alias", "error"), [
    ("The Rebels", "is the name of another source entity"),
    ("The Fighters", "is already an alias of another source"),
])
def test_admin_source_page_refuses_an_alias_of_another_entity_as_a_row_error(
        client, admin_user, alias, error):
    guard = source_resolve(name="the coast guard")
    rebels = source_resolve(name="the rebels")
    source_alias_add(source=rebels, alias="the fighters")
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_source_change", args=[guard.pk]),
                           _source_post("the coast guard", "government",
                                        aliases=["the coastguard service", alias],
                                        source_pk=guard.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert error in body
    assert "errorlist" in body
    guard.refresh_from_db()
    assert guard.kind == "other"  # nothing of the refused save was kept
    assert not guard.aliases.exists()


def test_admin_source_page_keeps_the_name_and_says_who_renames(client, admin_user):
    guard = source_resolve(name="the coast guard")
    client.force_login(admin_user)
    page = client.get(reverse("admin:claims_source_change", args=[guard.pk])).content.decode()
    assert "Renaming an entity is done by leads on the review page" in page
    response = client.post(reverse("admin:claims_source_change", args=[guard.pk]),
                           _source_post("the navy", "military", source_pk=guard.pk))
    assert response.status_code == 302
    guard.refresh_from_db()
    assert (guard.name, guard.normalized_name, guard.kind) == ("the coast guard", "coast guard",
                                                                "military")


def test_admin_alias_add_page_refuses_another_entitys_name_and_adds_through_the_service(
        client, admin_user):
    guard = source_resolve(name="the coast guard")
    source_resolve(name="the rebels")
    client.force_login(admin_user)
    url = reverse("admin:claims_sourcealias_add")
    refused = client.post(url, {"source": guard.pk, "alias": "The rebels"})
    assert refused.status_code == 200
    assert "is the name of another source entity" in refused.content.decode()
    assert not SourceAlias.objects.exists()
    added = client.post(url, {"source": guard.pk, "alias": "Coastguard Service"})
    assert added.status_code == 302
    assert SourceAlias.objects.get().normalized_alias == "coastguard service"
