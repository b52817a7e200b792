"""Speaker entities: finding one by any of its names, creating, renaming, aliasing and
merging."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import Claim, Source, SourceAlias, SourceChange
from claims.sources import normalise_source_name

# source_resolve scopes anonymous speakers to their article with this suffix on the merge key.
_ARTICLE_SCOPE = re.compile(r" #article-\d+$")


def source_by_name(name: str) -> Source | None:
    """The entity a name refers to: the one so named, else the one with that alias (names and
    aliases never collide, see source_alias_add, so the order only matters for old data)."""
    return source_by_key(normalise_source_name(name))


def source_by_key(key: str) -> Source | None:
    if not key:
        return None
    source = Source.objects.filter(normalized_name=key).first()
    if source is not None:
        return source
    alias = SourceAlias.objects.select_related("source").filter(normalized_alias=key).first()
    return alias.source if alias is not None else None


def source_resolve(*, name: str, anonymous: bool = False, article_id: int | None = None,
                   kind: str = Source.Kind.OTHER) -> Source | None:
    """Find or create the Source entity a name refers to, through its normalised form and aliases.

    Anonymous speakers ("a local official") are scoped to their article: two articles' local
    officials are not known to be one person, until a reviewer merges them. `kind` is only used
    when the entity is created: an existing entity keeps the kind it has (see source_update).
    """
    key = normalise_source_name(name)
    if not key:
        return None
    if anonymous and article_id is not None:
        key = f"{key} #article-{article_id}"
        kind = Source.Kind.ANONYMOUS
    source = source_by_key(key)
    if source is not None:
        return source
    source, _ = Source.objects.get_or_create(
        normalized_name=key, defaults={"name": name.strip()[:300], "kind": kind}
    )
    return source


class SourceNameTaken(ValidationError):
    """The name is already an entity's name or alias; `source` is that entity."""

    def __init__(self, message: str, *, source: Source):
        super().__init__(message)
        self.source = source


def source_name_check(name: str) -> str:
    """Raise ValidationError when `name` cannot name a new entity (SourceNameTaken when
    source_by_name finds one already), else return its normalised form."""
    key = normalise_source_name(name)
    if not key:
        raise ValidationError("The name is empty once normalised.")
    existing = source_by_key(key)
    if existing is not None:
        raise SourceNameTaken(
            f"{name.strip()!r} is already the source entity {existing.name!r}.", source=existing
        )
    return key


def source_create(*, name: str, kind: str = Source.Kind.OTHER, description: str = "") -> Source:
    """A new speaker entity; refused when source_name_check refuses its name."""
    if kind not in Source.Kind.values:
        raise ValidationError(f"Unknown source kind {kind!r}.")
    key = source_name_check(name)
    try:
        with transaction.atomic():
            return Source.objects.create(normalized_name=key, name=name.strip()[:300], kind=kind,
                                         description=description)
    except IntegrityError:  # created meanwhile by another request
        raise ValidationError(f"{name.strip()!r} is already a source entity.") from None


def source_alias_check(*, source: Source, alias: str) -> str:
    """Raise ValidationError when `alias` cannot become an alias of `source`, else return its
    normalised form. `source` may be unsaved: a new entity's aliases are checked (against its
    name and every other entity) before it is created."""
    key = normalise_source_name(alias)
    if not key:
        raise ValidationError("The alias is empty once normalised.")
    if key == (source.normalized_name or normalise_source_name(source.name)):
        raise ValidationError(f"{alias!r} is already how {source.name!r} is written.")
    aliases = SourceAlias.objects.filter(normalized_alias=key)
    named = Source.objects.filter(normalized_name=key)
    if source.pk is not None:
        aliases, named = aliases.exclude(source=source), named.exclude(pk=source.pk)
    if aliases.exists():
        raise ValidationError(f"{alias!r} is already an alias of another source.")
    other = named.first()
    if other is not None:
        raise ValidationError(
            f"{alias!r} is the name of another source entity, {other.name!r}: merge the two "
            "instead of adding an alias."
        )
    return key


def _aliases_of(source_id: int) -> list[str]:
    return list(SourceAlias.objects.filter(source_id=source_id).order_by("alias", "id")
                .values_list("alias", flat=True))


def _source_lock(source_id: int) -> None:
    """Lock the entity, so concurrent alias changes record consistent before/after lists."""
    Source.objects.select_for_update().filter(pk=source_id).exists()


def _alias_change(*, source_id: int, actor, action: str, before: list[str]) -> None:
    SourceChange.objects.create(source_id=source_id, actor=actor, action=action,
                                before={"aliases": before},
                                after={"aliases": _aliases_of(source_id)})


@transaction.atomic
def source_alias_add(*, source: Source, alias: str, actor=None) -> SourceAlias:
    """Add an alias to the entity (refused when source_alias_check refuses it) and record the
    entity's aliases before and after; an alias it already has changes and records nothing."""
    _source_lock(source.pk)
    key = source_alias_check(source=source, alias=alias)
    before = _aliases_of(source.pk)
    alias_row, created = SourceAlias.objects.get_or_create(
        normalized_alias=key, defaults={"source": source, "alias": alias.strip()[:300]}
    )
    if created:
        _alias_change(source_id=source.pk, actor=actor, action=SourceChange.Action.ALIAS_ADD,
                      before=before)
    return alias_row


@transaction.atomic
def source_alias_remove(*, alias: SourceAlias, actor) -> None:
    """Remove an alias from its entity and record the entity's aliases before and after; one
    already gone changes and records nothing."""
    _source_lock(alias.source_id)
    before = _aliases_of(alias.source_id)
    deleted, _ = SourceAlias.objects.filter(pk=alias.pk, source_id=alias.source_id).delete()
    if deleted:
        _alias_change(source_id=alias.source_id, actor=actor,
                      action=SourceChange.Action.ALIAS_REMOVE, before=before)


@transaction.atomic
def source_merge(*, source: Source, into: Source, actor=None) -> Source:
    """Fold `source` into `into`: its claims, aliases and name become `into`'s. The merge is
    recorded on `into`; `source`'s own history is kept (see SourceChange.source)."""
    if source.pk == into.pk:
        raise ValidationError("A source cannot be merged into itself.")
    SourceChange.objects.create(
        source=into, actor=actor, action=SourceChange.Action.MERGE,
        before={"merged_source_id": source.pk, "merged_name": source.name,
                "merged_kind": source.kind},
        after={"name": into.name},
    )
    Claim.objects.filter(source=source).update(source=into)
    SourceAlias.objects.filter(source=source).update(source=into)
    SourceAlias.objects.get_or_create(
        normalized_alias=source.normalized_name, defaults={"source": into, "alias": source.name}
    )
    source.delete()
    return into



@transaction.atomic
def source_update(*, source: Source, name: str, kind: str, actor,
                  description: str | None = None) -> Source:
    """Rename the entity and/or set its kind; each change is recorded in SourceChange.
    `description` (a free note for the desk, not in the history) is set when given.

    The old name stays an alias, so later extractions that write it still find this entity. A
    name that is another entity's name or alias is refused: those two are one speaker, to be
    merged. An anonymous entity that stays anonymous keeps its article scope. The given
    instance is refreshed and updated in place.
    """
    # locked and brought up to date in place: the caller's instance shows the result
    source.refresh_from_db(from_queryset=Source.objects.select_for_update())
    name = " ".join(name.split())
    if kind not in Source.Kind.values:
        raise ValidationError(
            f"Unknown source kind {kind!r}: use one of {', '.join(Source.Kind.values)}."
        )
    key = normalise_source_name(name)
    if not key:
        raise ValidationError("The name is empty once normalised: give the speaker a name.")
    scope = _ARTICLE_SCOPE.search(source.normalized_name)
    if scope and kind == Source.Kind.ANONYMOUS:
        key += scope.group()
    max_length = Source._meta.get_field("name").max_length
    if len(name) > max_length or len(key) > max_length:
        raise ValidationError(f"The name is longer than {max_length} characters.")
    changes = []
    if name != source.name:
        if key != source.normalized_name:
            other = source_by_key(key)
            if other is not None and other.pk != source.pk:
                raise ValidationError(
                    f"{name!r} is already a name or alias of another source entity, "
                    f"{other.name!r}: merge the two instead of renaming."
                )
            SourceAlias.objects.filter(source=source, normalized_alias=key).delete()
            SourceAlias.objects.get_or_create(
                normalized_alias=source.normalized_name,
                defaults={"source": source, "alias": source.name},
            )
        changes.append(SourceChange(
            source=source, actor=actor, action=SourceChange.Action.RENAME,
            before={"name": source.name, "normalized_name": source.normalized_name},
            after={"name": name, "normalized_name": key},
        ))
        source.name, source.normalized_name = name, key
    if kind != source.kind:
        changes.append(SourceChange(source=source, actor=actor,
                                    action=SourceChange.Action.SET_KIND,
                                    before={"kind": source.kind}, after={"kind": kind}))
        source.kind = kind
    fields = ["name", "normalized_name", "kind"] if changes else []
    if description is not None and description != source.description:
        source.description = description
        fields.append("description")
    if fields:
        source.save(update_fields=fields)
        SourceChange.objects.bulk_create(changes)
    return source
