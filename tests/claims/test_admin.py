import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations.assignment import assignments_set, lease_next
from annotations.models import WebhookDelivery
from annotations.services import verdict_submit
from annotations.tokens import token_create
from annotations.webhooks import webhook_create, webhook_delivery_attempt
from claims.models import (
    Article,
    ArticleChange,
    Source,
    SourceAlias,
    SourceChange,
    TrainedExtractor,
)
from claims.services import (
    article_create,
    article_delete,
    article_restore,
    article_update,
    claim_reject,
    claim_source_set,
    claim_spans_update,
    source_alias_add,
    source_by_name,
    source_create,
    source_resolve,
    source_update,
    user_roles_set,
)
from tests.factories import ArticleFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(reviewer, other_reviewer, settings):
    article = ArticleFactory(text="The army said it <b>won</b>. The rebels denied it.")
    claim = make_claim(article, content="it <b>won</b>", source="The army", created_by=reviewer)
    claim.source = source_resolve(name="the army")
    claim.save(update_fields=["source"])
    source_alias_add(source=claim.source, alias="the troops")
    source_update(source=claim.source, name="The army", kind="military", actor=reviewer)
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=reviewer, label="contested")
    assert lease_next(reviewer=UserFactory(username="rev3")) == claim
    assignments_set(article=article, reviewers=[reviewer], actor=reviewer)
    # Nobody listens on port 9: the final verdict's delivery fails its first attempt.
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = True
    webhook_create(url="http://127.0.0.1:9/hook", events=["claim.finalised"], actor=reviewer)
    agreed = make_claim(ArticleFactory())  # two agreeing verdicts: a final verdict
    verdict_submit(claim=agreed, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=agreed, reviewer=other_reviewer, label="confirmed")
    article_delete(article=article, actor=reviewer, reason="Posted twice")
    article_restore(article=article, actor=reviewer)
    user_roles_set(user=UserFactory(username="newlead"), roles=["reviewer", "lead"],
                   actor=reviewer, reason="Runs the night desk")
    token_create(user=reviewer, name="Newsroom CMS")
    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk, attempt=1)
    # A finished training run's record (training itself is tested in test_extractor_training).
    TrainedExtractor.objects.create(created_by=reviewer, status="done", progress=100,
                                    learned_f1=0.7, rules_f1=0.6, baseline_f1=0.6)
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


def test_admin_add_article_without_a_title_takes_the_first_line_as_the_web_form_does(
        client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_article_add"), {
        "title": "", "text": "Ferry fares to rise\n\nThe council said fares would rise.",
        "language": "en", "outlet": "", "url": "", "published_on": ""})
    assert response.status_code == 302
    assert Article.objects.get().title == "Ferry fares to rise"


def test_admin_add_article_with_nul_byte_shows_error_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_article_add"), {
        "title": "Bad", "text": "binary\x00junk", "language": "en"})
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert Article.objects.count() == 0


def test_admin_add_article_refuses_a_title_over_500_characters_and_saves_nothing(
        client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_article_add"), {
        "title": "T" * 615, "text": "The mayor said the road would reopen.", "language": "en"})
    assert response.status_code == 200
    assert "at most 500 characters (it has 615)" in response.content.decode()
    assert Article.objects.count() == 0


def _article_edit(article, **data) -> dict:
    return {"title": article.title, "outlet": article.outlet, "url": article.url,
            "published_on": article.published_on.isoformat() if article.published_on else "",
            "language": article.language, **_inline_management(article), **data}


def _inline_management(article) -> dict:
    """The management forms of the article page's inlines (read-only: no rows posted)."""
    data = {}
    for prefix in ("claims", "changes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def test_admin_article_edit_goes_through_article_update_and_records_what_changed(
        client, admin_user):
    article = ArticleFactory(title="Ferry line to reopen", outlet="Harbour Gazette",
                             url="https://news.example/ferry", language="en")
    client.force_login(admin_user)
    url = reverse("admin:claims_article_change", args=[article.pk])
    response = client.post(url, _article_edit(article, title="  Ferry line reopens in May ",
                                              published_on="2026-03-01"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert (article.title, article.published_on.isoformat()) == ("Ferry line reopens in May",
                                                                 "2026-03-01")
    change = ArticleChange.objects.get()
    assert (change.article, change.actor, change.action) == (article, admin_user, "edit")
    assert change.before == {"title": "Ferry line to reopen", "published_on": None}
    assert change.after == {"title": "Ferry line reopens in May", "published_on": "2026-03-01"}
    page = client.get(url).content.decode()
    assert "Details edited" in page
    assert "Ferry line to reopen" in page  # the title before, in the article's history


def test_admin_article_save_that_changes_nothing_records_nothing(client, admin_user):
    article = ArticleFactory(title="Ferry line to reopen", outlet="Harbour Gazette")
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_article_change", args=[article.pk]),
                           _article_edit(article, outlet="Harbour Gazette "))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not ArticleChange.objects.exists()


@pytest.mark.parametrize(("field", "value", "error"), [
    ("url", "javascript:alert(1)", "Enter a valid URL."),
    ("language", "x" * 17, "at most 16 characters"),
    ("title", "   ", "This field is required."),
])
def test_admin_article_edit_refused_as_on_creation_saves_and_records_nothing(
        client, admin_user, field, value, error):
    article = ArticleFactory(title="Ferry line to reopen", url="https://news.example/ferry")
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_article_change", args=[article.pk]),
                           _article_edit(article, **{field: value}))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Article.objects.filter(pk=article.pk, title="Ferry line to reopen",
                                  url="https://news.example/ferry", language="en").exists()
    assert not ArticleChange.objects.exists()


@pytest.mark.parametrize("field", ["title", "outlet", "url", "language"])
def test_article_update_refuses_what_article_create_refuses(admin_user, field):
    article = ArticleFactory()
    fields = {"title": article.title, "outlet": "", "url": "", "published_on": None,
              "language": "en", field: "Harbour\x00Gazette"}
    with pytest.raises(ValidationError) as refused:
        article_update(article=article, actor=admin_user, **fields)
    with pytest.raises(ValidationError) as refused_on_creation:
        article_create(text="The council said the pier would close.",
                       **{k: v for k, v in fields.items()})
    assert refused.value.message_dict == refused_on_creation.value.message_dict
    assert not ArticleChange.objects.exists()


def test_admin_article_edit_can_leave_the_text_alone_only(client, admin_user):
    article = ArticleFactory(text="The council said the pier would close.")
    client.force_login(admin_user)
    client.post(reverse("admin:claims_article_change", args=[article.pk]),
                _article_edit(article, text="The council denied it."))
    article.refresh_from_db()
    assert article.text == "The council said the pier would close."


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


def _alias_rows(source, *, delete: list[str] = (), add: list[str] = ()) -> dict:
    """The Source page's POST: its fields and the alias inline, with `delete` ticked on the
    existing rows so named and `add` as new rows."""
    existing = list(source.aliases.order_by("alias"))
    data = {"name": source.name, "kind": source.kind, "description": "",
            "aliases-TOTAL_FORMS": str(len(existing) + len(add)),
            "aliases-INITIAL_FORMS": str(len(existing)),
            "aliases-MIN_NUM_FORMS": "0", "aliases-MAX_NUM_FORMS": "1000"}
    for i, alias in enumerate(existing):
        data.update({f"aliases-{i}-id": str(alias.pk), f"aliases-{i}-source": str(source.pk)})
        if alias.alias in delete:
            data[f"aliases-{i}-DELETE"] = "on"
    for i, alias in enumerate(add, start=len(existing)):
        data.update({f"aliases-{i}-id": "", f"aliases-{i}-source": str(source.pk),
                     f"aliases-{i}-alias": alias})
    return data


def test_admin_source_page_records_each_alias_added_and_removed(client, admin_user):
    guard = source_resolve(name="the coast guard")
    source_alias_add(source=guard, alias="the coastguard")
    client.force_login(admin_user)
    url = reverse("admin:claims_source_change", args=[guard.pk])
    response = client.post(url, _alias_rows(guard, delete=["the coastguard"],
                                            add=["the maritime guard"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(guard.aliases.values_list("alias", flat=True)) == ["the maritime guard"]
    added, removed = SourceChange.objects.filter(actor=admin_user).order_by("id")
    assert (added.source_id, added.action, added.before, added.after) == (
        guard.pk, "alias_add", {"aliases": ["the coastguard"]},
        {"aliases": ["the coastguard", "the maritime guard"]})
    assert (removed.source_id, removed.action, removed.before, removed.after) == (
        guard.pk, "alias_remove", {"aliases": ["the coastguard", "the maritime guard"]},
        {"aliases": ["the maritime guard"]})


def test_admin_source_page_saved_with_its_aliases_as_they_were_records_nothing(
        client, admin_user):
    guard = source_resolve(name="the coast guard")
    source_alias_add(source=guard, alias="the coastguard")
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_source_change", args=[guard.pk]),
                           _alias_rows(guard))
    assert response.status_code == 302
    assert not SourceChange.objects.filter(actor=admin_user).exists()


def test_admin_alias_pages_record_adding_and_deleting(client, admin_user):
    guard = source_resolve(name="the coast guard")
    client.force_login(admin_user)
    assert client.post(reverse("admin:claims_sourcealias_add"),
                       {"source": guard.pk, "alias": "the coastguard"}).status_code == 302
    assert client.post(reverse("admin:claims_sourcealias_add"),
                       {"source": guard.pk, "alias": "the sea guard"}).status_code == 302
    coastguard, sea_guard = guard.aliases.order_by("alias")
    response = client.post(reverse("admin:claims_sourcealias_delete", args=[coastguard.pk]),
                           {"post": "yes"})
    assert response.status_code == 302
    response = client.post(reverse("admin:claims_sourcealias_changelist"), {
        "action": "delete_selected", "_selected_action": [sea_guard.pk], "post": "yes"})
    assert response.status_code == 302
    assert not guard.aliases.exists()
    assert [(c.action, c.actor, c.after) for c in guard.changes.order_by("id")] == [
        ("alias_add", admin_user, {"aliases": ["the coastguard"]}),
        ("alias_add", admin_user, {"aliases": ["the coastguard", "the sea guard"]}),
        ("alias_remove", admin_user, {"aliases": ["the sea guard"]}),
        ("alias_remove", admin_user, {"aliases": []}),
    ]


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


ADMIN_PAGES = ["article_change", "article_list", "claim_list", "claim_change",
               "claimchange_list", "verdict_list", "verdict_change", "verdictrevision_list"]


def build_desk(n: int, reviewer) -> dict[str, str]:
    """One article with n claims, each judged and then edited (so its verdict is out of date);
    the last verdict revised n more times and the first claim's entity changed n times. The
    admin URLs of the pages under test."""
    text = " ".join(f"Speaker {i} said item {i} was late." for i in range(n))
    article = ArticleFactory(text=text)
    claims = [make_claim(article, cue="said", occurrence=i, source=f"Speaker {i}",
                         content=f"item {i} was late") for i in range(n)]
    for i, claim in enumerate(claims):
        verdict = verdict_submit(claim=claim, reviewer=reviewer, label="confirmed",
                                 rationale=f"Checked item {i} against the timetable.")
        start = text.index(f"Speaker {i} said item") + len(f"Speaker {i} said ")
        claim_spans_update(claim=claim, role="content", spans=[[start, start + len(f"item {i}")]],
                           actor=reviewer, expected_version=None)
    for i in range(n):  # the last verdict gets n more revisions
        verdict = verdict_submit(claim=claims[-1], reviewer=reviewer,
                                 label=("contested", "unverifiable")[i % 2])
        claim_source_set(claim=claims[0], source=source_resolve(name=f"Speaker {i} office"),
                         actor=reviewer, expected_version=None)
    return {
        "article_change": reverse("admin:claims_article_change", args=[article.pk]),
        "article_list": reverse("admin:claims_article_changelist"),
        "claim_list": reverse("admin:claims_claim_changelist"),
        "claim_change": reverse("admin:claims_claim_change", args=[claims[0].pk]),
        "claimchange_list": reverse("admin:claims_claimchange_changelist"),
        "verdict_list": reverse("admin:annotations_verdict_changelist"),
        "verdict_change": reverse("admin:annotations_verdict_change", args=[verdict.pk]),
        "verdictrevision_list": reverse("admin:annotations_verdictrevision_changelist"),
    }


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_take_as_many_queries_for_many_rows_as_for_few(client, admin_user, reviewer,
                                                                    page):
    client.force_login(admin_user)

    def build(n: int) -> str:
        return build_desk(n, reviewer)[page]

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
    # The kind went through source_update, so the entity's history says who changed it.
    change = guard.changes.get()
    assert (change.action, change.actor, change.before, change.after) == (
        "set_kind", admin_user, {"kind": "other"}, {"kind": "military"})


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


def _cell(body: str, field: str) -> list[str]:
    """The text of each list or inline cell of `field`, tags stripped."""
    import re

    cells = re.findall(rf'<t[dh] class="field-{field}[^"]*">(.*?)</t[dh]>', body, flags=re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


BRIDGE = "The mayor said the bridge was safe. The engineer said it was not."


def test_article_page_counts_verdicts_per_claim(client, admin_user, reviewer, other_reviewer):
    article = ArticleFactory(text=BRIDGE)
    judged = make_claim(article, content="the bridge was safe")
    make_claim(article, occurrence=1, content="it was not")
    verdict_submit(claim=judged, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=judged, reviewer=other_reviewer, label="contested")
    client.force_login(admin_user)
    body = client.get(reverse("admin:claims_article_change", args=[article.pk])).content.decode()
    assert _cell(body, "verdict_count") == ["2", "0"]


def test_article_list_counts_only_claims_that_stand(client, admin_user, reviewer):
    article = ArticleFactory(text=BRIDGE)
    make_claim(article, content="the bridge was safe")
    rejected = make_claim(article, occurrence=1, content="it was not")
    claim_reject(claim=rejected, actor=reviewer, expected_version=None)
    client.force_login(admin_user)
    body = client.get(reverse("admin:claims_article_changelist")).content.decode()
    assert "Claims (not rejected)" in body
    assert _cell(body, "claim_count") == ["1"]


def test_claim_list_shows_cue_and_content_as_written_and_filters_by_source_entity_kind(
        client, admin_user):
    article = ArticleFactory(text="The coast guard warned that the <i>storm</i> would worsen.")
    claim = make_claim(article, cue="warned", content="the <i>storm</i> would worsen",
                       source="The coast guard")
    claim.source = source_create(name="the coast guard", kind="government")
    claim.save(update_fields=["source"])
    make_claim(ArticleFactory(text="A fisherman said the nets were empty."),
               content="the nets were empty")
    client.force_login(admin_user)
    url = reverse("admin:claims_claim_changelist")
    body = client.get(url).content.decode()
    assert _cell(body, "cue_text") == ["warned", "said"]
    assert _cell(body, "content_text") == ["the &lt;i&gt;storm&lt;/i&gt; would worsen",
                                           "the nets were empty"]
    assert "By source entity kind" in body
    assert body.count("By kind") == 1
    filtered = client.get(url, {"source__kind__exact": "government"}).content.decode()
    assert _cell(filtered, "cue_text") == ["warned"]


def test_claim_page_shows_each_change_as_the_words_it_covered(client, admin_user, reviewer):
    text = "The coast guard said the harbour would stay closed until Friday."
    article = ArticleFactory(text=text)
    claim = make_claim(article, content="the harbour would stay closed", source="The coast guard")
    start = text.index("the harbour")
    claim = claim_spans_update(claim=claim, role="content", actor=reviewer, expected_version=None,
                               spans=[[start, text.index(".")]])
    claim = claim_source_set(claim=claim, source=source_create(name="the navy"), actor=reviewer,
                             expected_version=None)
    claim_reject(claim=claim, actor=reviewer, expected_version=None)
    client.force_login(admin_user)
    body = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert _cell(body, "what_changed") == [
        "source: “The coast guard”; cue: “said”; content: “the harbour would stay closed”",
        "content: “the harbour would stay closed” → “the harbour would stay closed until "
        "Friday”",
        "source entity: none → the navy",
        "status: open → rejected",
    ]
    listed = client.get(reverse("admin:claims_claimchange_changelist")).content.decode()
    assert "status: open → rejected" in listed
    assert "source entity: none → the navy" in listed


def test_claim_page_cannot_rewrite_a_claim_and_actions_go_through_the_services(
        client, admin_user, reviewer):
    article = ArticleFactory(text=BRIDGE)
    claim = make_claim(article, content="the bridge was safe")
    navy = source_create(name="the navy")
    client.force_login(admin_user)
    refused = client.post(reverse("admin:claims_claim_change", args=[claim.pk]), {
        "article": article.pk, "source": navy.pk, "kind": "direct", "status": "final"})
    assert refused.status_code == 403
    assert client.get(reverse("admin:claims_claim_add")).status_code == 403
    url = reverse("admin:claims_claim_changelist")
    client.post(url, {"action": "reject_claims", "_selected_action": [claim.pk]})
    claim.refresh_from_db()
    assert (claim.status, claim.source_id, claim.kind) == ("rejected", None, "other")
    assert claim.changes.get(action="reject").actor == admin_user
    client.post(url, {"action": "restore_claims", "_selected_action": [claim.pk]})
    claim.refresh_from_db()
    assert claim.status == "open"
    assert claim.changes.filter(action="restore", actor=admin_user).exists()


def test_the_admin_names_claimdesk_not_django(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Claimdesk administration" in page
    assert "<title>Site administration | Claimdesk admin</title>" in page
    assert "Django administration" not in page


# --- the admin goes round no service: refusals, honest counts, no deletion of what history
# --- refers to ------------------------------------------------------------------------------
def _messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in response.context["messages"]]


@pytest.fixture
def final_claim(reviewer, other_reviewer):
    """A claim two reviewers agreed on: it has its final verdict, so it is frozen."""
    claim = make_claim(ArticleFactory(text=BRIDGE), content="the bridge was safe")
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    claim.refresh_from_db()
    assert claim.status == "final"
    return claim


def test_reject_action_refuses_a_final_claim_with_the_reason_and_rejects_the_others(
        client, admin_user, final_claim):
    open_claim = make_claim(ArticleFactory(text="The engineer said the pier was unsafe."),
                            content="the pier was unsafe")
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_claim_changelist"), {
        "action": "reject_claims", "_selected_action": [open_claim.pk, final_claim.pk]},
        follow=True)
    assert response.status_code == 200
    shown = _messages(response)
    assert ("success", "Rejected 1 claim(s) as not a claim.") in shown
    [(level, refused)] = [m for m in shown if m[0] == "warning"]
    assert refused.startswith(f"Refused 1, left as they were: {final_claim}: This claim has its "
                              "final verdict: a lead must reopen it")
    open_claim.refresh_from_db()
    final_claim.refresh_from_db()
    assert (open_claim.status, final_claim.status) == ("rejected", "final")
    assert not final_claim.changes.filter(action="reject").exists()


def test_admin_actions_count_only_what_changed_and_name_what_they_left(
        client, admin_user, reviewer, final_claim):
    gone = ArticleFactory(title="Posted twice")
    article_delete(article=gone, actor=reviewer)
    live = ArticleFactory(title="Ferry timetable")
    client.force_login(admin_user)
    deleted = client.post(reverse("admin:claims_article_changelist"), {
        "action": "soft_delete", "_selected_action": [gone.pk, live.pk]}, follow=True)
    assert _messages(deleted) == [
        ("success", "Deleted 1 article(s); restore brings them back."),
        ("info", "Left 1 already deleted as they were: Posted twice")]
    assert gone.changes.count() == 1
    restored = client.post(reverse("admin:claims_claim_changelist"), {
        "action": "restore_claims", "_selected_action": [final_claim.pk]}, follow=True)
    assert _messages(restored) == [
        ("info", f"Left 1 that were not rejected as they were: {final_claim}")]
    final_claim.refresh_from_db()
    assert final_claim.status == "final"
    assert not final_claim.changes.filter(action="restore").exists()


def test_spans_are_read_only_in_the_admin_everywhere_they_appear(client, admin_user,
                                                                   final_claim):
    cue = final_claim.spans.get(role="cue")
    version = final_claim.attribution_version
    client.force_login(admin_user)
    changelist = reverse("admin:claims_span_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [cue.pk],
                             "post": "yes"})
    assert client.get(reverse("admin:claims_span_delete", args=[cue.pk])).status_code == 403
    assert client.post(reverse("admin:claims_span_delete", args=[cue.pk]),
                       {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:claims_span_change", args=[cue.pk]),
                       {"claim": final_claim.pk, "role": "cue", "start": 0, "end": 3}
                       ).status_code == 403
    assert client.get(reverse("admin:claims_span_add")).status_code == 403
    claim_page = client.get(reverse("admin:claims_claim_change", args=[final_claim.pk]))
    assert 'name="spans-0-DELETE"' not in claim_page.content.decode()
    cue.refresh_from_db()  # still there, as it was
    assert (cue.start, cue.end) == (BRIDGE.index("said"), BRIDGE.index("said") + 4)
    final_claim.refresh_from_db()
    assert final_claim.attribution_version == version


def test_a_source_entity_is_never_deleted_in_the_admin_and_the_page_says_how_to_merge(
        client, admin_user, reviewer):
    claim = make_claim(ArticleFactory(text=BRIDGE), content="the bridge was safe")
    navy = source_create(name="the navy")
    claim_source_set(claim=claim, source=navy, actor=reviewer, expected_version=None)
    client.force_login(admin_user)
    delete_url = reverse("admin:claims_source_delete", args=[navy.pk])
    for response in (client.get(delete_url, follow=True),
                     client.post(delete_url, {"post": "yes"}, follow=True)):
        assert response.redirect_chain == [
            (reverse("admin:claims_source_change", args=[navy.pk]), 302)]
        [(level, said)] = _messages(response)
        assert level == "warning"
        assert said.startswith("Source entities are not deleted: claims and their history "
                               "refer to them. Two entities that are one speaker are merged")
    assert "Merge … into it" in client.get(
        reverse("admin:claims_source_change", args=[navy.pk])).content.decode()
    changelist = reverse("admin:claims_source_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [navy.pk],
                             "post": "yes"})
    claim.refresh_from_db()
    assert claim.source_id == navy.pk
