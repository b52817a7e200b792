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
