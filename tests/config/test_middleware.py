import json

import pytest
from django.urls import reverse

from annotations.models import Verdict
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db

TEXT = "The harbour master said the pier would reopen on Friday."


@pytest.fixture
def claim():
    return make_claim(ArticleFactory(text=TEXT), cue="said")


def test_signed_out_htmx_save_is_sent_to_login_and_back_not_swapped(client, claim):
    page = f"http://testserver{claim.get_absolute_url()}"
    response = client.post(reverse("annotations:verdict-submit", args=[claim.pk]),
                           {"label": "confirmed", "expected_revision": 0},
                           headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 401
    assert response["HX-Redirect"] == (
        f"/accounts/login/?next=%2Farticles%2F{claim.article_id}%2F%3Fclaim%3D{claim.pk}")
    assert not Verdict.objects.exists()


def test_signed_out_plain_request_still_gets_the_normal_login_redirect(client, claim):
    response = client.post(reverse("annotations:verdict-submit", args=[claim.pk]),
                           {"label": "confirmed", "expected_revision": 0})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "HX-Redirect" not in response


def test_signed_in_htmx_redirects_elsewhere_are_left_alone(client, reviewer, claim):
    client.force_login(reviewer)
    response = client.post(reverse("annotations:claim-reject", args=[claim.pk]), {"version": 1},
                           headers={"HX-Request": "true"})
    assert response.status_code == 302
    assert "HX-Redirect" not in response


def test_a_stored_verdict_is_announced_to_the_page(client, reviewer, claim):
    client.force_login(reviewer)
    response = client.post(reverse("annotations:verdict-submit", args=[claim.pk]),
                           {"label": "contested", "expected_revision": 0},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {
        "verdictSaved": {"claim": claim.pk, "revision": 1}}
