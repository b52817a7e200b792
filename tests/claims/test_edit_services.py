import pytest
from django.core.exceptions import ValidationError

from claims.models import Claim, ClaimChange, Source
from claims.services import (
    StaleClaim,
    claim_add,
    claim_reject,
    claim_restore,
    claim_source_merge,
    claim_source_set,
    claim_spans_update,
    source_resolve,
)
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db

TEXT = "The harbour master said the port would reopen on Friday. The union said it would not."


@pytest.fixture
def claim():
    """What the extractor found (machine claims have no "create" change recorded)."""
    return make_claim(ArticleFactory(text=TEXT), cue="said", content="the port would reopen",
                      origin=Claim.Origin.MACHINE)


def spans(claim: Claim, role: str) -> list[tuple[int, int]]:
    return list(claim.spans.filter(role=role).order_by("start").values_list("start", "end"))


def at(fragment: str) -> tuple[int, int]:
    start = TEXT.index(fragment)
    return start, start + len(fragment)


# --- claim_spans_update -----------------------------------------------------------------------
def test_claim_spans_update_replaces_one_role_and_records_before_and_after(claim, reviewer):
    old_content = spans(claim, "content")
    updated = claim_spans_update(claim=claim, role="content",
                                 spans=[at("the port would reopen on Friday")],
                                 actor=reviewer, expected_version=1)
    assert spans(claim, "content") == [at("the port would reopen on Friday")]
    assert spans(claim, "cue") == [at("said")]
    assert updated.version == 2
    assert updated.edited_at is not None
    change = claim.changes.get(action=ClaimChange.Action.EDIT_SPANS)
    assert change.actor == reviewer
    assert change.before == {"content": [list(s) for s in old_content]}
    assert change.after == {"content": [list(at("the port would reopen on Friday"))],
                            "version": 2}


def test_claim_spans_update_of_the_source_resolves_the_source_entity(claim, reviewer):
    updated = claim_spans_update(claim=claim, role="source", spans=[at("The harbour master")],
                                 actor=reviewer, expected_version=1)
    assert updated.source.name == "The harbour master"
    assert Claim.objects.get(pk=claim.pk).source == updated.source
    change = claim.changes.get(action=ClaimChange.Action.EDIT_SPANS)
    assert change.before["source_id"] is None
    assert change.after["source_id"] == updated.source.pk


def test_claim_spans_update_with_the_same_spans_is_a_no_op_even_with_an_old_version(
    claim, reviewer
):
    new = [at("the port would reopen on Friday")]
    claim_spans_update(claim=claim, role="content", spans=new, actor=reviewer,
                       expected_version=1)
    again = claim_spans_update(claim=claim, role="content", spans=new, actor=reviewer,
                               expected_version=1)  # a double click
    assert again.version == 2
    assert claim.changes.filter(action=ClaimChange.Action.EDIT_SPANS).count() == 1


def test_claim_spans_update_refuses_a_stale_version_and_changes_nothing(
    claim, reviewer, other_reviewer
):
    claim_spans_update(claim=claim, role="cue", spans=[at("said")], actor=other_reviewer,
                       expected_version=1)  # no change: same cue
    claim_reject(claim=claim, actor=other_reviewer, expected_version=1)
    before = spans(claim, "content")
    with pytest.raises(StaleClaim, match="now version 2, you saw 1"):
        claim_spans_update(claim=claim, role="content", spans=[at("the port")],
                           actor=reviewer, expected_version=1)
    assert spans(claim, "content") == before
    assert Claim.objects.get(pk=claim.pk).version == 2


@pytest.mark.parametrize(
    ("role", "new_spans", "message"),
    [
        ("content", [], "A claim needs content"),
        ("cue", [], "A claim needs a cue"),
        ("content", [(10, 5)], "outside the article text"),
        ("content", [(0, len(TEXT) + 1)], "outside the article text"),
        ("content", [(0, 10), (5, 20)], "spans overlap"),
        ("speaker", [(0, 3)], "Unknown span role"),
        ("source", [at("said the port")], r"The cue and the source overlap \(both hold “said”\)"),
        ("source", [at("port would")], "The content and the source overlap"),
        ("content", [(0, at("said")[1])], "The content and the cue overlap"),
    ],
)
def test_claim_spans_update_rejects_bad_spans_and_saves_nothing(claim, reviewer, role,
                                                                new_spans, message):
    before = {r: spans(claim, r) for r in ("source", "cue", "content")}
    with pytest.raises(ValidationError, match=message):
        claim_spans_update(claim=claim, role=role, spans=new_spans, actor=reviewer,
                           expected_version=1)
    assert {r: spans(claim, r) for r in ("source", "cue", "content")} == before
    assert Claim.objects.get(pk=claim.pk).version == 1
    assert not claim.changes.exists()


# --- claim_reject / claim_restore -------------------------------------------------------------
def test_claim_reject_then_restore_bumps_the_version_and_records_both(claim, reviewer):
    rejected = claim_reject(claim=claim, actor=reviewer, expected_version=1)
    assert (rejected.status, rejected.version) == (Claim.Status.REJECTED, 2)
    restored = claim_restore(claim=claim, actor=reviewer, expected_version=2)
    assert (restored.status, restored.version) == (Claim.Status.OPEN, 3)
    changes = list(claim.changes.values_list("action", "before", "after"))
    assert changes == [
        ("reject", {"status": "open"}, {"status": "rejected", "version": 2}),
        ("restore", {"status": "rejected"}, {"status": "open", "version": 3}),
    ]


def test_claim_restore_of_a_claim_that_is_not_rejected_changes_nothing(claim, reviewer):
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.FINAL)
    assert claim_restore(claim=claim, actor=reviewer, expected_version=1).status == "final"
    assert not claim.changes.exists()


def test_claim_reject_refuses_a_stale_version(claim, reviewer, other_reviewer):
    claim_spans_update(claim=claim, role="content", spans=[at("the port")],
                       actor=other_reviewer, expected_version=1)
    with pytest.raises(StaleClaim):
        claim_reject(claim=claim, actor=reviewer, expected_version=1)
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.OPEN


def test_rejected_claims_survive_re_segmentation(claim, reviewer):
    from claims.services import claims_replace_machine

    claim_reject(claim=claim, actor=reviewer, expected_version=1)
    claims_replace_machine(article_id=claim.article_id, attributions=[], extractor_version="t")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.REJECTED


# --- Source entities --------------------------------------------------------------------------
def test_claim_source_set_points_one_claim_at_another_entity(claim, reviewer):
    other = make_claim(claim.article, cue="said", occurrence=1, origin=Claim.Origin.MACHINE)
    old = source_resolve(name="Harbour office")
    Claim.objects.filter(pk__in=[claim.pk, other.pk]).update(source=old)
    target = source_resolve(name="Port Authority")
    updated = claim_source_set(claim=claim, source=target, actor=reviewer, expected_version=1)
    assert updated.source == target
    assert Claim.objects.get(pk=other.pk).source == old
    change = claim.changes.get(action=ClaimChange.Action.SET_SOURCE)
    assert change.before == {"source_id": old.pk}
    assert change.after == {"source_id": target.pk, "version": 2}


def test_claim_source_merge_moves_every_claim_of_the_entity_and_records_each(
    claim, reviewer
):
    other = make_claim(claim.article, cue="said", occurrence=1, origin=Claim.Origin.MACHINE)
    old = source_resolve(name="Harbour office")
    Claim.objects.filter(pk__in=[claim.pk, other.pk]).update(source=old)
    target = source_resolve(name="Port Authority")
    merged = claim_source_merge(claim=claim, into=target, actor=reviewer, expected_version=1)
    assert merged.source == target
    other.refresh_from_db()
    assert (other.source, other.version) == (target, 2)
    assert other.edited_at is not None
    assert not Source.objects.filter(pk=old.pk).exists()
    assert source_resolve(name="harbour office") == target  # the old name is now an alias
    for each in (claim, other):
        change = each.changes.get(action=ClaimChange.Action.SET_SOURCE)
        assert change.actor == reviewer
        assert change.before == {"source_id": old.pk, "source_name": "Harbour office"}
        assert change.after["source_id"] == target.pk


def test_claim_source_merge_without_a_source_is_refused(claim, reviewer):
    with pytest.raises(ValidationError, match="no source entity to merge"):
        claim_source_merge(claim=claim, into=source_resolve(name="Port Authority"),
                           actor=reviewer, expected_version=1)


def test_claim_source_merge_refuses_a_stale_version_and_merges_nothing(claim, reviewer):
    old = source_resolve(name="Harbour office")
    Claim.objects.filter(pk=claim.pk).update(source=old, version=3)
    with pytest.raises(StaleClaim):
        claim_source_merge(claim=claim, into=source_resolve(name="Port Authority"),
                           actor=reviewer, expected_version=1)
    assert Source.objects.filter(pk=old.pk).exists()


# --- claim_add --------------------------------------------------------------------------------
def test_claim_add_creates_a_reviewer_claim_with_its_source_entity(reviewer):
    article = ArticleFactory(text=TEXT)
    claim = claim_add(article=article, content_spans=[at("it would not")],
                      cue_spans=[(TEXT.rindex("said"), TEXT.rindex("said") + 4)],
                      source_spans=[at("The union")], kind="indirect", actor=reviewer)
    assert claim.origin == Claim.Origin.REVIEWER
    assert claim.created_by == reviewer
    assert claim.source.name == "The union"
    assert claim.changes.get().action == ClaimChange.Action.CREATE


def test_claim_add_without_a_cue_saves_nothing(reviewer):
    article = ArticleFactory(text=TEXT)
    with pytest.raises(ValidationError, match="needs a cue"):
        claim_add(article=article, content_spans=[at("it would not")], cue_spans=[],
                  source_spans=[at("The union")], actor=reviewer)
    assert not Claim.objects.exists()


def test_a_final_claims_wording_and_status_are_frozen_until_it_is_reopened(reviewer):
    from claims.services import claim_finalise, claim_reopen

    article = ArticleFactory(text="The board said the pool will reopen in May.")
    claim = make_claim(article, content="the pool will reopen in May")
    claim_finalise(claim=claim, actor=None)
    start = article.text.index("the pool")
    for edit in (
        lambda: claim_spans_update(claim=claim, role="content", spans=[(start, start + 8)],
                                   actor=reviewer, expected_version=None),
        lambda: claim_reject(claim=claim, actor=reviewer, expected_version=None),
        lambda: claim_source_set(claim=claim, source=source_resolve(name="the board"),
                                 actor=reviewer, expected_version=None),
    ):
        with pytest.raises(ValidationError, match="a lead must reopen it"):
            edit()
    claim.refresh_from_db()
    assert (claim.status, claim.attribution_version) == (Claim.Status.FINAL, 1)
    claim_reopen(claim=claim, actor=None)
    edited = claim_spans_update(claim=claim, role="content", spans=[(start, start + 8)],
                                actor=reviewer, expected_version=None)
    assert edited.attribution_version == 2
