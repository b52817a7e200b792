"""Speaker entities: their short names and kinds from the extractor, and renaming or retyping
them with history (source_update)."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from claims.extraction import SOURCE_KINDS
from claims.models import Claim, Source, SourceAlias, SourceChange
from claims.services import (
    article_create,
    claims_replace_machine,
    source_alias_add,
    source_by_name,
    source_resolve,
    source_update,
)
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return UserFactory(username="lead1")


def test_extractor_source_kinds_are_the_source_model_kinds():
    assert tuple(SOURCE_KINDS) == tuple(Source.Kind.values)


# --- source_update ---------------------------------------------------------------------------
def test_source_update_renames_and_keeps_the_old_name_reachable_as_an_alias(lead):
    source = source_resolve(name="The Northern Liberation Front (NLF), an alliance of rebels")
    renamed = source_update(source=source, name="The Northern Liberation Front (NLF)",
                            kind=source.kind, actor=lead)
    assert source.name == renamed.name == "The Northern Liberation Front (NLF)"  # in place
    renamed.refresh_from_db()
    assert renamed.name == "The Northern Liberation Front (NLF)"
    assert renamed.normalized_name == "northern liberation front nlf"
    assert source_resolve(name="the Northern Liberation Front (NLF), an alliance of rebels") \
        == renamed
    assert source_by_name("Northern Liberation Front (NLF)") == renamed
    (change,) = SourceChange.objects.filter(source=renamed)
    assert change.action == SourceChange.Action.RENAME
    assert change.actor == lead
    assert change.before == {
        "name": "The Northern Liberation Front (NLF), an alliance of rebels",
        "normalized_name": "northern liberation front nlf an alliance of rebels",
    }
    assert change.after == {"name": "The Northern Liberation Front (NLF)",
                            "normalized_name": "northern liberation front nlf"}


def test_source_update_sets_the_kind_and_records_it(lead):
    source = source_resolve(name="The Estorian army")
    source_update(source=source, name="The Estorian army", kind=Source.Kind.MILITARY,
                  actor=lead)
    source.refresh_from_db()
    assert source.kind == "military"
    (change,) = SourceChange.objects.filter(source=source)
    assert change.action == SourceChange.Action.SET_KIND
    assert (change.before, change.after) == ({"kind": "other"}, {"kind": "military"})
    assert not SourceAlias.objects.filter(source=source).exists()


def test_source_update_renaming_and_retyping_at_once_records_both(lead):
    source = source_resolve(name="union leader Tomas Brel, who spoke first")
    source_update(source=source, name="Tomas Brel", kind=Source.Kind.PERSON, actor=lead)
    actions = list(SourceChange.objects.filter(source=source).values_list("action", flat=True))
    assert actions == ["rename", "set_kind"]


def test_source_update_with_the_same_name_and_kind_changes_nothing(lead):
    source = source_resolve(name="The river authority", kind=Source.Kind.GOVERNMENT)
    again = source_update(source=source, name="  The river   authority ",
                          kind=Source.Kind.GOVERNMENT, actor=lead)
    assert again.name == "The river authority"
    assert not SourceChange.objects.exists()
    assert not SourceAlias.objects.exists()


def test_source_update_changing_only_the_case_needs_no_alias(lead):
    source = source_resolve(name="the river authority")
    source_update(source=source, name="The River Authority", kind=source.kind, actor=lead)
    source.refresh_from_db()
    assert source.name == "The River Authority"
    assert source.normalized_name == "river authority"
    assert not SourceAlias.objects.exists()
    assert SourceChange.objects.get(source=source).action == "rename"


def test_source_update_refuses_another_entitys_name_and_suggests_merging(lead):
    source = source_resolve(name="The Mali army, which holds the town")
    source_resolve(name="The Malian army")
    with pytest.raises(ValidationError, match="merge"):
        source_update(source=source, name="Mali's army", kind=source.kind, actor=lead)
    source.refresh_from_db()
    assert source.name == "The Mali army, which holds the town"
    assert not SourceChange.objects.exists()
    assert not SourceAlias.objects.exists()


def test_source_update_refuses_another_entitys_alias(lead):
    ministry = source_resolve(name="The ministry of industry")
    source_alias_add(source=ministry, alias="the industry ministry")
    other = source_resolve(name="Drava officials")
    with pytest.raises(ValidationError, match="another source entity, 'The ministry of industry'"):
        source_update(source=other, name="The Industry Ministry", kind=other.kind, actor=lead)
    other.refresh_from_db()
    assert other.name == "Drava officials"


@pytest.mark.parametrize("name", ["", "   ", "the", "—"])
def test_source_update_refuses_an_empty_name(lead, name):
    source = source_resolve(name="Residents of Mill Street")
    with pytest.raises(ValidationError, match="empty"):
        source_update(source=source, name=name, kind=source.kind, actor=lead)


def test_source_update_refuses_an_unknown_kind(lead):
    source = source_resolve(name="Residents of Mill Street")
    with pytest.raises(ValidationError, match="Unknown source kind 'rebel'"):
        source_update(source=source, name=source.name, kind="rebel", actor=lead)
    source.refresh_from_db()
    assert source.kind == "other"


def test_source_update_can_go_back_to_a_former_name(lead):
    source = source_resolve(name="The harbour master, Ilse Varga")
    source_update(source=source, name="Ilse Varga", kind=source.kind, actor=lead)
    source_update(source=source, name="The harbour master, Ilse Varga", kind=source.kind,
                  actor=lead)
    source.refresh_from_db()
    assert source.normalized_name == "harbour master ilse varga"
    assert list(source.aliases.values_list("normalized_alias", flat=True)) == ["ilse varga"]
    assert source_by_name("Ilse Varga") == source
    assert SourceChange.objects.filter(source=source).count() == 2


def test_source_update_keeps_an_anonymous_entity_in_its_article(lead):
    article = ArticleFactory()
    source = source_resolve(name="A harbour official, who asked not to be named",
                            anonymous=True, article_id=article.pk)
    source_update(source=source, name="A harbour official", kind=Source.Kind.ANONYMOUS,
                  actor=lead)
    source.refresh_from_db()
    assert source.normalized_name == f"harbour official #article-{article.pk}"
    assert source_resolve(name="A harbour official") != source  # not every article's official


def test_source_update_of_an_anonymous_entity_identified_by_name_leaves_its_article(lead):
    article = ArticleFactory()
    source = source_resolve(name="A harbour official", anonymous=True, article_id=article.pk)
    source_update(source=source, name="Harbour official Ivo Tal", kind=Source.Kind.PERSON,
                  actor=lead)
    assert source_resolve(name="harbour official Ivo Tal") == source
    assert source_resolve(name="A harbour official", anonymous=True,
                          article_id=article.pk) == source


def test_source_changes_are_append_only_and_keep_their_actor(lead):
    source = source_resolve(name="The Estorian army")
    source_update(source=source, name=source.name, kind=Source.Kind.MILITARY, actor=lead)
    change = SourceChange.objects.get(source=source)
    change.after = {"kind": "media"}
    with pytest.raises(ValueError, match="append-only"):
        change.save()
    # who made a change is part of the record: an actor is deactivated, never deleted
    with pytest.raises(ProtectedError):
        lead.delete()
    change.refresh_from_db()
    assert change.actor == lead
    assert change.after == {"kind": "military"}


# --- entities from segmentation --------------------------------------------------------------
class ExtractedAttribution:
    """Stands in for the extractor's output: spans plus the entity it names."""

    def __init__(self, *, cue, content, source, source_text, source_name, source_kind,
                 anonymous=False):
        self.cue, self.content, self.source = (cue,), (content,), (source,)
        self.kind, self.confidence = "indirect", 0.8
        self.source_text = self.resolved_source = source_text
        self.source_name, self.source_kind, self.anonymous = source_name, source_kind, anonymous


TEXT = "Mayor Ada Quill, who leads the council, said the bridge would reopen in March."


def test_claims_replace_machine_names_and_types_new_entities_from_the_extractor():
    article = ArticleFactory(text=TEXT)
    attribution = ExtractedAttribution(
        cue=(40, 44), content=(45, 77), source=(0, 38),
        source_text="Mayor Ada Quill, who leads the council", source_name="Mayor Ada Quill",
        source_kind="person",
    )
    claims_replace_machine(article_id=article.pk, attributions=[attribution],
                           extractor_version="test")
    claim = Claim.objects.get(article=article)
    assert (claim.source.name, claim.source.kind) == ("Mayor Ada Quill", "person")
    assert [(s.start, s.end) for s in claim.spans.filter(role="source")] == [(0, 38)]


def test_claims_replace_machine_leaves_an_existing_entitys_kind_alone():
    existing = source_resolve(name="Mayor Ada Quill", kind=Source.Kind.GOVERNMENT)
    article = ArticleFactory(text=TEXT)
    attribution = ExtractedAttribution(
        cue=(40, 44), content=(45, 77), source=(0, 38),
        source_text="Mayor Ada Quill, who leads the council", source_name="Mayor Ada Quill",
        source_kind="person",
    )
    claims_replace_machine(article_id=article.pk, attributions=[attribution],
                           extractor_version="test")
    claim = Claim.objects.get(article=article)
    assert claim.source == existing
    existing.refresh_from_db()
    assert existing.kind == "government"


def test_segmentation_gives_entities_short_names_and_kinds(django_capture_on_commit_callbacks):
    text = ("The Northern Liberation Front (NLF), an alliance of armed groups, announced that it "
            "had captured two armoured vehicles. Mayor Ada Quill, who leads the council, said "
            "the bridge would reopen in March.")
    with django_capture_on_commit_callbacks(execute=True):
        article = article_create(text=text, title="Fictional clashes").article
    names = {(c.source.name, c.source.kind)
             for c in Claim.objects.filter(article=article).select_related("source")}
    assert names == {("The Northern Liberation Front (NLF)", "armed_group"),
                     ("Mayor Ada Quill", "person")}
