import re

import pytest
from django.urls import reverse

from annotations.services import verdict_submit
from claims.services import claim_spans_update
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db

TEXT = ("The lighthouse keeper said the <lamp> had failed twice this winter, and the harbour "
        "board said repairs were already paid for and would begin within the month.")


def _cell(body: str, field: str) -> list[str]:
    cells = re.findall(rf'<t[dh] class="field-{field}[^"]*">(.*?)</t[dh]>', body, flags=re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


@pytest.fixture
def judged(reviewer, other_reviewer):
    """Two verdicts on the keeper's claim, the first from before its content was cut short,
    one current verdict on the board's claim."""
    article = ArticleFactory(title="Lantern Point <weekly>", text=TEXT)
    keeper = make_claim(article, content="the <lamp> had failed twice this winter")
    board = make_claim(article, occurrence=1, content="repairs were already paid for and would "
                                                      "begin within the month")
    stale = verdict_submit(claim=keeper, reviewer=reviewer, label="contested",
                           rationale="The maintenance log lists three failures. " * 5)
    start = TEXT.index("the <lamp>")
    keeper = claim_spans_update(claim=keeper, role="content", actor=reviewer,
                                expected_version=None,
                                spans=[[start, start + len("the <lamp> had failed")]])
    current = verdict_submit(claim=keeper, reviewer=other_reviewer, label="confirmed")
    verdict_submit(claim=board, reviewer=reviewer, label="unverifiable")
    return article, stale, current


def test_verdict_list_shows_what_was_judged_by_whom_and_whether_it_is_out_of_date(
        client, admin_user, judged):
    article, _, _ = judged
    client.force_login(admin_user)
    body = client.get(reverse("admin:annotations_verdict_changelist")).content.decode()
    assert _cell(body, "claim_content") == [
        "the &lt;lamp&gt; had failed", "the &lt;lamp&gt; had failed",
        "repairs were already paid for and would begin within the month"]
    assert _cell(body, "reviewer") == ["rev1", "rev2", "rev1"]
    assert _cell(body, "label") == ["Contested", "Confirmed", "Unverifiable"]
    assert _cell(body, "version_judged") == ["1 (claim now at 2: out of date)", "2", "1"]
    assert _cell(body, "article_title") == ["Lantern Point &lt;weekly&gt;"] * 3
    article_url = reverse("admin:claims_article_change", args=[article.pk])
    assert body.count(f'<a href="{article_url}">Lantern Point &lt;weekly&gt;</a>') == 3
    rationale = _cell(body, "rationale_cut")[0]
    assert rationale.startswith("The maintenance log lists three failures.")
    assert rationale.endswith("…")
    assert len(rationale) <= 60


def test_verdict_list_content_is_cut_to_eighty_characters(client, admin_user, reviewer):
    words = "the ferry timetable " * 10
    article = ArticleFactory(text=f"The operator said {words}was unchanged.")
    claim = make_claim(article, content=f"{words}was unchanged")
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    client.force_login(admin_user)
    body = client.get(reverse("admin:annotations_verdict_changelist")).content.decode()
    [content] = _cell(body, "claim_content")
    assert len(content) == 80
    assert content.startswith("the ferry timetable the ferry")
    assert content.endswith("…")


@pytest.mark.parametrize(("choice", "expected"), [
    ("yes", ["1 (claim now at 2: out of date)"]),
    ("no", ["2", "1"]),
])
def test_verdict_list_filters_out_of_date_verdicts(client, admin_user, judged, choice, expected):
    client.force_login(admin_user)
    body = client.get(reverse("admin:annotations_verdict_changelist"),
                      {"out_of_date": choice}).content.decode()
    assert "By claim changed since" in body
    assert _cell(body, "version_judged") == expected


def test_verdict_page_and_revisions_show_the_claim_version_judged(client, admin_user, judged,
                                                                  reviewer):
    _, stale, _ = judged
    client.force_login(admin_user)
    page = client.get(reverse("admin:annotations_verdict_change", args=[stale.pk])).content.decode()
    assert "1 (claim now at 2: out of date)" in page
    assert _cell(page, "claim_version") == ["1"]
    revised = verdict_submit(claim=stale.claim, reviewer=reviewer, label="confirmed")
    assert revised.revision == 2
    revisions = client.get(reverse("admin:annotations_verdictrevision_changelist"),
                           {"verdict__id__exact": stale.pk}).content.decode()
    assert _cell(revisions, "claim_version") == ["1", "2"]


def test_staff_who_are_not_leads_do_not_see_who_gave_which_verdict(client, reviewer):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_verdict", "change_verdict", "view_verdictrevision"]))
    client.force_login(staff)
    assert client.get(reverse("admin:annotations_verdict_changelist")).status_code == 403
    assert client.get(reverse("admin:annotations_verdictrevision_changelist")).status_code == 403
    assert reverse("admin:annotations_verdict_changelist") not in client.get(
        reverse("admin:index")).content.decode()


def test_final_verdicts_and_their_history_are_read_only_in_the_admin(
        client, admin_user, reviewer, other_reviewer):
    article = ArticleFactory(text=TEXT)
    claim = make_claim(article, content="the <lamp> had failed twice this winter")
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    client.force_login(admin_user)
    body = client.get(reverse("admin:annotations_finalverdict_changelist")).content.decode()
    assert _cell(body, "provenance") == ["Unanimous"]
    assert _cell(body, "label") == ["Confirmed"]
    history = client.get(reverse("admin:annotations_finalverdictchange_changelist"))
    assert _cell(history.content.decode(), "action") == ["Final verdict set (unanimous)"]
    assert client.get(reverse("admin:annotations_finalverdict_add")).status_code == 403
    assert client.get(reverse("admin:annotations_finalverdictchange_add")).status_code == 403


def test_the_admin_index_names_api_tokens_in_plain_words(client, admin_user):
    client.force_login(admin_user)
    body = client.get(reverse("admin:index")).content.decode()
    assert "API token names" in body
    assert "Api token names" not in body


def test_a_verdict_cannot_be_saved_from_the_admin(client, admin_user, judged):
    _, stale, _ = judged
    client.force_login(admin_user)
    url = reverse("admin:annotations_verdict_change", args=[stale.pk])
    assert 'name="_save"' not in client.get(url).content.decode()
    assert client.post(url, {"_save": "Save"}).status_code == 403
    assert stale.updated_at == type(stale).objects.get(pk=stale.pk).updated_at
