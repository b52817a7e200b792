"""Speaker entities: finding one by any of its names, creating, aliasing and merging."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import Claim, Source, SourceAlias
from claims.sources import normalise_source_name


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
    officials are not known to be one person, until a reviewer merges them.
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


@transaction.atomic
def source_alias_add(*, source: Source, alias: str) -> SourceAlias:
    key = source_alias_check(source=source, alias=alias)
    alias_row, _ = SourceAlias.objects.get_or_create(
        normalized_alias=key, defaults={"source": source, "alias": alias.strip()[:300]}
    )
    return alias_row


@transaction.atomic
def source_merge(*, source: Source, into: Source) -> Source:
    """Fold `source` into `into`: its claims, aliases and name become `into`'s."""
    if source.pk == into.pk:
        raise ValidationError("A source cannot be merged into itself.")
    Claim.objects.filter(source=source).update(source=into)
    SourceAlias.objects.filter(source=source).update(source=into)
    SourceAlias.objects.get_or_create(
        normalized_alias=source.normalized_name, defaults={"source": into, "alias": source.name}
    )
    source.delete()
    return into

