"""A user's roles change through user_roles_set, from the admin too, and every change is
recorded: who, when, before, after, why."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.access import is_lead, roles_of
from claims.models import RoleChange
from claims.services import user_roles_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_roles_set_records_before_and_after(reviewer, lead):
    assert roles_of(reviewer) == {"reviewer"}
    change = user_roles_set(user=reviewer, roles=["lead", "reviewer"], actor=lead,
                            reason="Covers the night desk")
    assert is_lead(reviewer)
    assert (change.user, change.actor, change.reason) == (reviewer, lead, "Covers the night desk")
    assert change.before == {"roles": ["reviewer"]}
    assert change.after == {"roles": ["lead", "reviewer"]}


def test_setting_the_same_roles_records_nothing(reviewer, lead):
    assert user_roles_set(user=reviewer, roles=["reviewer"], actor=lead) is None
    assert not RoleChange.objects.exists()


def test_other_groups_are_left_alone(reviewer, lead):
    reviewer.groups.add(Group.objects.create(name="newsletter"))
    user_roles_set(user=reviewer, roles=[], actor=lead)
    assert list(reviewer.groups.values_list("name", flat=True)) == ["newsletter"]


def test_an_unknown_role_is_refused_and_nothing_changes(reviewer, lead):
    with pytest.raises(ValidationError, match="Unknown role 'editor'"):
        user_roles_set(user=reviewer, roles=["editor"], actor=lead)
    assert roles_of(UserFactory(username=reviewer.username)) == {"reviewer"}
    assert not RoleChange.objects.exists()


# --- the admin ------------------------------------------------------------------------------
def _change_form(user, **data) -> dict:
    return {"username": user.username, "first_name": "", "last_name": "", "email": "",
            "is_active": "on", "date_joined_0": "2026-01-05", "date_joined_1": "09:00:00",
            "role_changes-TOTAL_FORMS": "0", "role_changes-INITIAL_FORMS": "0", **data}


def test_the_admin_changes_roles_through_the_service(client, admin_user, reviewer):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    page = client.get(url).content.decode()
    assert 'name="roles"' in page
    assert 'name="groups"' not in page  # no way round the service
    response = client.post(url, _change_form(reviewer, roles=["reviewer", "lead"],
                                             role_reason="Leads the weekend desk"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    change = RoleChange.objects.get()
    assert change.user == reviewer
    assert change.actor == admin_user
    assert change.at is not None
    assert change.before == {"roles": ["reviewer"]}
    assert change.after == {"roles": ["lead", "reviewer"]}
    assert change.reason == "Leads the weekend desk"
    assert is_lead(UserFactory(username=reviewer.username))
    history = client.get(url).content.decode()
    assert "role history" in history.lower()
    assert "Leads the weekend desk" in history


def test_saving_the_user_page_without_a_role_change_records_nothing(client, admin_user,
                                                                     reviewer):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    response = client.post(url, _change_form(reviewer, roles=["reviewer"], first_name="Ada"))
    assert response.status_code == 302
    assert not RoleChange.objects.exists()


def test_making_someone_a_superuser_is_a_recorded_role_change(client, admin_user, reviewer):
    """A superuser counts as a lead, so the admin flags are part of a user's role."""
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    response = client.post(url, _change_form(reviewer, roles=["reviewer"], is_staff="on",
                                             is_superuser="on", role_reason="Runs the desk"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    change = RoleChange.objects.get()
    assert (change.before, change.after, change.actor, change.reason) == (
        {"roles": ["reviewer"], "is_staff": False, "is_superuser": False},
        {"roles": ["reviewer"], "is_staff": True, "is_superuser": True},
        admin_user, "Runs the desk")
    assert is_lead(UserFactory(username=reviewer.username))
    assert "staff: yes; superuser: yes" in client.get(url).content.decode()


def _messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in response.context["messages"]]


def test_a_user_is_not_deleted_in_the_admin_and_the_page_says_to_deactivate(client, admin_user,
                                                                             lead):
    client.force_login(admin_user)
    change_url = reverse("admin:auth_user_change", args=[lead.pk])
    assert reverse("admin:auth_user_delete", args=[lead.pk]) not in client.get(
        change_url).content.decode()
    for response in (client.get(reverse("admin:auth_user_delete", args=[lead.pk]), follow=True),
                     client.post(reverse("admin:auth_user_delete", args=[lead.pk]),
                                 {"post": "yes"}, follow=True)):
        assert response.redirect_chain == [(change_url, 302)]
        [(level, said)] = _messages(response)
        assert level == "warning"
        assert said.startswith("Users are not deleted: their verdicts, claims and every "
                               "history name them. Deactivate the account instead")
    changelist = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert 'value="deactivate"' in changelist
    lead.refresh_from_db()
    assert lead.is_active


def test_the_deactivate_action_records_the_change_and_refuses_your_own_account(
        client, admin_user, lead, reviewer):
    reviewer.is_active = False
    reviewer.save(update_fields=["is_active"])
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_changelist"), {
        "action": "deactivate", "_selected_action": [lead.pk, reviewer.pk, admin_user.pk]},
        follow=True)
    assert _messages(response) == [
        ("success", "Deactivated 1 user(s); tick “Active” on a user's page to bring one back."),
        ("info", "Left 1 already inactive as they were: rev1"),
        ("warning", "Refused 1, left as they were: boss: You cannot deactivate your own "
                    "account.")]
    lead.refresh_from_db()
    admin_user.refresh_from_db()
    assert (lead.is_active, admin_user.is_active) == (False, True)
    change = RoleChange.objects.get()
    assert (change.user, change.actor, change.before, change.after, change.reason) == (
        lead, admin_user, {"roles": ["lead", "reviewer"], "is_active": True},
        {"roles": ["lead", "reviewer"], "is_active": False}, "Deactivated in the admin")
    assert not is_lead(type(lead).objects.get(pk=lead.pk))
    page = client.get(reverse("admin:auth_user_change", args=[lead.pk])).content.decode()
    assert "lead, reviewer; active: no" in page


def test_unticking_active_on_the_user_page_is_a_recorded_role_change(client, admin_user,
                                                                     reviewer):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    data = _change_form(reviewer, roles=["reviewer"], role_reason="Left the desk")
    del data["is_active"]
    assert client.post(url, data).status_code == 302
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    change = RoleChange.objects.get()
    assert (change.before, change.after, change.reason) == (
        {"roles": ["reviewer"], "is_active": True}, {"roles": ["reviewer"], "is_active": False},
        "Left the desk")


@pytest.fixture
def reviewer_group(reviewer):
    return Group.objects.get(name="reviewer")


def test_a_role_group_is_neither_deleted_nor_renamed_in_the_admin(client, admin_user,
                                                                  reviewer, reviewer_group):
    client.force_login(admin_user)
    change_url = reverse("admin:auth_group_change", args=[reviewer_group.pk])
    delete_url = reverse("admin:auth_group_delete", args=[reviewer_group.pk])
    for response in (client.get(delete_url, follow=True),
                     client.post(delete_url, {"post": "yes"}, follow=True)):
        assert response.redirect_chain == [(change_url, 302)]
        [(level, said)] = _messages(response)
        assert level == "warning"
        assert said.startswith("“reviewer” is a role: its group is neither deleted nor renamed")
    page = client.get(change_url).content.decode()
    assert 'name="name"' not in page
    assert delete_url not in page
    assert client.post(change_url, {"name": "editors"}).status_code == 302
    reviewer_group.refresh_from_db()
    assert reviewer_group.name == "reviewer"
    assert roles_of(type(reviewer).objects.get(pk=reviewer.pk)) == {"reviewer"}


def test_deleting_selected_groups_keeps_the_role_groups(client, admin_user, reviewer,
                                                         reviewer_group):
    newsletter = Group.objects.create(name="newsletter")
    client.force_login(admin_user)
    url = reverse("admin:auth_group_changelist")
    selected = {"action": "delete_selected",
                "_selected_action": [reviewer_group.pk, newsletter.pk]}
    confirm = client.post(url, selected)
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert f'name="_selected_action" value="{newsletter.pk}"' in body
    assert f'name="_selected_action" value="{reviewer_group.pk}"' not in body
    done = client.post(url, {**selected, "post": "yes"}, follow=True)
    assert [level for level, _ in _messages(done)] == ["warning", "success"]
    assert sorted(Group.objects.values_list("name", flat=True)) == ["lead", "reviewer"]
    assert roles_of(type(reviewer).objects.get(pk=reviewer.pk)) == {"reviewer"}
