"""/api/sources/ through HTTP: the desk's source entities with their aliases, searched by
name or alias, filtered by kind, by name page after page."""

import pytest
from rest_framework.test import APIClient

from claims.models import Source
from claims.services.sources import source_alias_add, source_resolve
from tests.conftest import all_pages, queries_per_page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SOURCES = "/api/sources/"


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def sources(db):
    army = source_resolve(name="Malian army", kind=Source.Kind.MILITARY)
    source_alias_add(source=army, alias="the junta's soldiers")
    source_alias_add(source=army, alias="FAMa")
    source_resolve(name="Harbour board", kind=Source.Kind.GOVERNMENT)
    source_resolve(name="Ada Lin", kind=Source.Kind.PERSON)
    return army


def test_sources_by_name_with_their_aliases(api_as, reviewer, sources):
    client = api_as(reviewer)
    assert _names(client.get(SOURCES)) == ["Ada Lin", "Harbour board", "Malian army"]
    army = client.get(f"{SOURCES}{sources.pk}/").json()
    assert army["aliases"] == ["FAMa", "the junta's soldiers"]
    assert army["kind"] == "military"
    assert {"id", "name", "description", "created_at"} <= set(army)


@pytest.mark.parametrize(("q", "expected"), [
    ("harbour", ["Harbour board"]),
    ("fama", ["Malian army"]),  # an alias
    ("Mali's army", ["Malian army"]),  # as the merge key normalises it
    ("   ", ["Ada Lin", "Harbour board", "Malian army"]),
    ("nobody", []),
])
def test_search_by_name_or_alias(api_as, reviewer, sources, q, expected):
    assert _names(api_as(reviewer).get(SOURCES, {"q": q})) == expected


def test_filter_by_kind(api_as, reviewer, sources):
    client = api_as(reviewer)
    assert _names(client.get(SOURCES, {"kind": "person"})) == ["Ada Lin"]
    assert _names(client.get(SOURCES, {"kind": ["person", "military"]})) == [
        "Ada Lin", "Malian army"]
    assert client.get(SOURCES, {"kind": "alien"}).status_code == 400


def test_pages_by_name_then_id_cover_every_source_once(api_as, reviewer):
    for i in range(7):
        # Names that differ only in what the merge key drops: equal names, distinct entities.
        Source.objects.create(name="Port office" if i % 2 else f"Speaker {i}",
                              normalized_name=f"key {i}")
    expected = list(Source.objects.order_by("name", "id").values_list("id", flat=True))
    assert all_pages(api_as(reviewer), f"{SOURCES}?page_size=2") == expected


def test_query_count_does_not_grow_with_page_size(api_as, reviewer):
    for i in range(55):
        source = source_resolve(name=f"Speaker {i:02}")
        source_alias_add(source=source, alias=f"Voice {i:02}")
    few, many = queries_per_page(api_as(reviewer), SOURCES)
    assert few == many


def test_sources_are_for_desk_members(api_as, sources):
    assert APIClient().get(SOURCES).status_code == 401
    nobody = UserFactory(username="former")
    nobody.groups.clear()
    assert api_as(nobody).get(SOURCES).status_code == 403
