import re

import pytest
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from annotations.models import ApiTokenName
from annotations.tokens import token_create

pytestmark = pytest.mark.django_db

TOKENS = "/account/tokens/"


def _create(client, name="Newsroom CMS"):
    return client.post(TOKENS, {"action": "create", "name": name})


def _key_on(response) -> str:
    match = re.search(r'id="token-key"[^>]*value="([^"]+)"', response.content.decode())
    assert match, "the new key is on the page"
    return match.group(1)


def _api(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_token_page_is_linked_from_the_top_bar(logged_in):
    assert f'href="{TOKENS}"' in logged_in.get(reverse("home")).content.decode()


def test_token_page_links_the_api_documentation(logged_in):
    page = logged_in.get(TOKENS).content.decode()
    assert f'href="{reverse("api-docs")}"' in page
    assert f'href="{reverse("api-schema")}"' in page


def test_created_token_is_shown_once_then_only_by_its_first_characters(logged_in):
    response = _create(logged_in)
    assert response.status_code == 200
    key = _key_on(response)
    assert response["Cache-Control"] == "no-store"
    later = logged_in.get(TOKENS).content.decode()
    assert key not in later
    assert "Newsroom CMS" in later
    assert key[:8] in later


def test_token_is_stored_as_a_digest_never_as_the_key(logged_in):
    key = _key_on(_create(logged_in))
    token = AuthToken.objects.get()
    columns = [str(value) for value in
               AuthToken.objects.values_list("digest", "token_key", "user_id", "created",
                                             "expiry").get()]
    assert not any(key in column for column in columns)
    assert len(token.digest) == 128  # SHA-512 in hex
    assert key.startswith(token.token_key)  # the few characters that name it, not the key


def test_token_authenticates_api_requests_as_its_owner(logged_in, reviewer):
    key = _key_on(_create(logged_in))
    response = _api(key).get("/api/articles/")
    assert response.status_code == 200
    assert AuthToken.objects.get().user == reviewer


def test_revoked_token_is_refused_with_401(logged_in):
    key = _key_on(_create(logged_in))
    named = ApiTokenName.objects.get()
    response = logged_in.post(TOKENS, {"action": "revoke", "token": named.pk, "confirm": "yes"})
    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    assert _api(key).get("/api/articles/").status_code == 401


def test_each_revoke_link_names_its_token_and_asks_before_revoking(logged_in):
    _create(logged_in, "Newsroom CMS")
    _create(logged_in, "Archive sync")
    cms = ApiTokenName.objects.select_related("token").get(name="Newsroom CMS")
    starts_with = cms.token.token_key[:8]
    page = logged_in.get(TOKENS).content.decode()
    assert (f'href="{TOKENS}?revoke={cms.pk}#revoke-confirm">Revoke…<span class="visually-hidden">'
            f" token “Newsroom CMS” ({starts_with}…)</span></a>") in page
    assert "Archive sync” (" in page  # each link its own token's name

    confirm = logged_in.get(TOKENS, {"revoke": cms.pk})
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert f"Revoke the token “Newsroom CMS” (<code>{starts_with}…</code>)?" in body
    assert f'<input type="hidden" name="token" value="{cms.pk}">' in body
    assert 'name="confirm" value="yes"' in body
    assert AuthToken.objects.count() == 2  # asking revokes nothing

    assert logged_in.post(TOKENS, {"action": "revoke", "token": cms.pk,
                                   "confirm": "yes"}).status_code == 302
    assert list(ApiTokenName.objects.values_list("name", flat=True)) == ["Archive sync"]


def test_a_revoke_not_confirmed_asks_and_revokes_nothing(logged_in):
    _create(logged_in)
    named = ApiTokenName.objects.get()
    response = logged_in.post(TOKENS, {"action": "revoke", "token": named.pk})
    assert response.status_code == 200
    assert "Revoke the token “Newsroom CMS”" in response.content.decode()
    assert AuthToken.objects.count() == 1


def test_asking_to_revoke_someone_elses_token_tells_nothing(client, reviewer, other_reviewer):
    client.force_login(other_reviewer)
    _create(client, "Theirs")
    theirs = ApiTokenName.objects.get()
    client.force_login(reviewer)
    response = client.get(TOKENS, {"revoke": theirs.pk})
    assert response.status_code == 404
    assert "No such token among yours" in response.content.decode()
    assert "Theirs" not in response.content.decode()


def test_wrong_key_is_refused_with_401(db):
    assert _api("0" * 64).get("/api/articles/").status_code == 401


def test_anonymous_api_request_gets_401_with_the_scheme_to_use(db):
    response = APIClient().get("/api/articles/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_reviewer_cannot_revoke_someone_elses_token(client, reviewer, other_reviewer):
    client.force_login(other_reviewer)
    _create(client, "Theirs")
    theirs = ApiTokenName.objects.get()
    client.force_login(reviewer)
    response = client.post(TOKENS, {"action": "revoke", "token": theirs.pk, "confirm": "yes"},
                           follow=True)
    assert "No such token among yours" in response.content.decode()
    assert ApiTokenName.objects.filter(pk=theirs.pk).exists()
    assert "Theirs" not in client.get(TOKENS).content.decode()


@pytest.mark.parametrize(("name", "message"), [
    ("", "Give the token a name"),
    ("   ", "Give the token a name"),
    ("x" * 101, "at most 100 characters"),
])
def test_bad_name_is_refused_with_a_message_and_creates_nothing(logged_in, name, message):
    response = _create(logged_in, name)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'id="token-key"' not in response.content.decode()
    assert not AuthToken.objects.exists()


def test_token_of_a_user_who_lost_their_role_gets_403(logged_in, reviewer):
    key = _key_on(_create(logged_in))
    reviewer.groups.clear()
    assert _api(key).get("/api/articles/").status_code == 403


# --- the admin: tokens are read and deleted (revoked) there, never made or changed ------------
def _admin_url(name: str, *args) -> str:
    return reverse(f"admin:knox_authtoken_{name}", args=args)


def test_the_admin_neither_adds_nor_changes_tokens(client, admin_user, reviewer):
    token_create(user=reviewer, name="Newsroom CMS")
    token = AuthToken.objects.get()
    client.force_login(admin_user)
    changelist = client.get(_admin_url("changelist")).content.decode()
    assert "Newsroom CMS" in changelist
    assert client.get(_admin_url("add")).status_code == 403
    assert client.post(_admin_url("add"), {"user": admin_user.pk, "expiry_0": "",
                                           "expiry_1": ""}).status_code == 403
    assert AuthToken.objects.count() == 1
    change_url = _admin_url("change", token.digest)
    page = client.get(change_url)
    assert page.status_code == 200  # read only, with the delete link
    assert _admin_url("delete", token.digest) in page.content.decode()
    assert client.post(change_url, {"user": admin_user.pk, "expiry_0": "2099-01-01",
                                    "expiry_1": "00:00:00"}).status_code == 403
    unchanged = AuthToken.objects.get()
    assert (unchanged.user, unchanged.expiry) == (reviewer, token.expiry)


def test_deleting_a_token_in_the_admin_revokes_it(client, logged_in, admin_user):
    key = _key_on(_create(logged_in))
    assert _api(key).get("/api/articles/").status_code == 200
    token = AuthToken.objects.get()
    client.force_login(admin_user)
    response = client.post(_admin_url("delete", token.digest), {"post": "yes"})
    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    assert not ApiTokenName.objects.exists()
    assert _api(key).get("/api/articles/").status_code == 401


def test_the_delete_selected_action_revokes_tokens(client, logged_in, admin_user):
    key = _key_on(_create(logged_in))
    client.force_login(admin_user)
    response = client.post(_admin_url("changelist"), {
        "action": "delete_selected", "_selected_action": [AuthToken.objects.get().digest],
        "post": "yes"})
    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    assert _api(key).get("/api/articles/").status_code == 401
