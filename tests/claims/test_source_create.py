import pytest
from django.core.exceptions import ValidationError

from claims.models import Source, SourceAlias
from claims.services import (
    SourceNameTaken,
    source_alias_add,
    source_alias_check,
    source_by_name,
    source_create,
    source_name_check,
    source_resolve,
)

pytestmark = pytest.mark.django_db


def test_source_create_stores_the_normalised_name_and_is_found_by_name():
    source = source_create(name="  The Estorian Coast Guard ", kind="government",
                           description="Patrols the fictional coast.")
    assert source.name == "The Estorian Coast Guard"
    assert source.kind == "government"
    assert source_by_name("Estorian coast guard") == source


@pytest.mark.parametrize("taken", ["the army", "The Army's", "the troops"])
def test_source_create_refuses_a_name_or_alias_of_an_existing_entity(taken):
    army = source_resolve(name="the army")
    source_alias_add(source=army, alias="the troops")
    with pytest.raises(ValidationError) as refused:
        source_create(name=taken)
    assert refused.value.messages[0].endswith("is already the source entity 'the army'.")
    assert Source.objects.count() == 1


def test_source_create_refuses_an_empty_name_and_an_unknown_kind():
    with pytest.raises(ValidationError, match="empty"):
        source_create(name="  the ")
    with pytest.raises(ValidationError, match="kind"):
        source_create(name="the rebels", kind="wizard")
    assert not Source.objects.exists()


def test_source_alias_check_works_for_an_entity_not_saved_yet():
    source_resolve(name="the rebels")
    new = Source(name="the army")
    with pytest.raises(ValidationError, match="already how 'the army' is written"):
        source_alias_check(source=new, alias="The army")
    with pytest.raises(ValidationError, match="name of another source entity"):
        source_alias_check(source=new, alias="The Rebels")
    assert source_alias_check(source=new, alias="the troops") == "troops"
    assert not SourceAlias.objects.exists()


def test_source_name_check_names_the_entity_that_has_the_name():
    army = source_resolve(name="the army")
    source_alias_add(source=army, alias="the troops")
    with pytest.raises(SourceNameTaken) as taken:
        source_name_check("The Troops")
    assert taken.value.source == army
    assert source_name_check("the rebels") == "rebels"
