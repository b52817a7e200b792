"""The whole API fuzzed from its own OpenAPI schema (Schemathesis, in-process through the WSGI
application): for a lead's and a reviewer's token, no request the schema allows may end in a
server error or in a response the schema does not describe."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotations.services import verdict_submit
from annotations.tokens import token_create
from claims.access import LEAD
from claims.models import Claim
from claims.services.sources import source_alias_add, source_resolve
from config.wsgi import application
from tests.factories import UserFactory, article_with_claims

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/schema/?format=json"
# No server error, and every response as the schema documents it (status, content type,
# headers, body); an endpoint that needs credentials refuses a request without them. Not
# Schemathesis's "schema-valid data is accepted" heuristic: a request can be valid by the
# schema and still name a claim that does not exist, another reviewer's id or a cursor the
# list never gave out, which the API refuses with 400 and its reason, as documented.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, ignored_auth]
EXAMPLES = 15  # per operation and token: the whole run stays well under a minute


@pytest.fixture
def tokens(db) -> dict[str, str]:
    """A lead's and a reviewer's token on a small desk: claims with sources and aliases, and
    verdicts by the reviewer and a colleague, so that lists and ids lead somewhere."""
    from django.contrib.auth.models import Group

    lead = UserFactory(username="fuzz-lead")
    lead.groups.add(Group.objects.get_or_create(name=LEAD)[0])
    reviewer, colleague = UserFactory(username="fuzz-rev"), UserFactory(username="fuzz-rev2")
    for _ in range(3):
        article = article_with_claims(3)
        for i, claim in enumerate(article.claims.order_by("position")):
            source = source_resolve(name=f"Speaker {i}")
            Claim.objects.filter(pk=claim.pk).update(source=source)
            if i == 0:
                verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
                verdict_submit(claim=claim, reviewer=colleague, label="confirmed")
            elif i == 1:
                verdict_submit(claim=claim, reviewer=colleague, label="contested")
    source_alias_add(source=source_resolve(name="Speaker 0"), alias="The first speaker")
    return {role: token_create(user=user, name="Fuzzing")[1]
            for role, user in (("lead", lead), ("reviewer", reviewer))}


@pytest.fixture
def wsgi_in_the_test_transaction():
    """The WSGI handler closes the database connection as each request starts and ends (
    close_old_connections); the test's data lives in its open transaction, so, as Django's own
    test client does, keep the connection for the test's length."""
    hooks = (request_started, request_finished)
    for signal in hooks:
        signal.disconnect(close_old_connections)
    yield application
    for signal in hooks:
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(tokens, wsgi_in_the_test_transaction):
    return schemathesis.openapi.from_wsgi(
        SCHEMA_URL, wsgi_in_the_test_transaction,
        headers={"Authorization": f"Token {tokens['lead']}"})


def test_the_api_answers_as_its_schema_says(api_schema, tokens):
    # Each operation in turn, its requests drawn from the schema by Hypothesis; every
    # response checked by Schemathesis's default checks (no 5xx; status code, content type,
    # headers and body as the schema documents them). schemathesis.pytest.from_fixture would
    # make one test per operation, but it fails on pytest 9 (it reads a node's private
    # _nodeid), hence the loop.
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            for key in tokens.values():
                case.call_and_validate(headers={"Authorization": f"Token {key}"},
                                       checks=CHECKS)

        answers_as_documented()
