"""A user's roles on the desk: changed here only, each change recorded in RoleChange."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from claims.access import ROLES
from claims.models import RoleChange


def _roles_held(user) -> list[str]:
    return sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


@transaction.atomic
def user_roles_set(*, user, roles, actor, reason: str = "") -> RoleChange | None:
    """Give `user` exactly `roles` (of claims.access.ROLES); groups that are not roles are
    left alone. Records who, before, after and why; None when nothing changed."""
    wanted = sorted(set(roles))
    unknown = [role for role in wanted if role not in ROLES]
    if unknown:
        raise ValidationError(f"Unknown role {unknown[0]!r}: use {' or '.join(ROLES)}.")
    # Lock the user so two concurrent changes record consistent before/after pairs.
    type(user).objects.select_for_update().filter(pk=user.pk).first()
    before = _roles_held(user)
    if before == wanted:
        return None
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    user.groups.remove(*(groups[name] for name in before if name not in wanted))
    user.groups.add(*(groups[name] for name in wanted if name not in before))
    user.__dict__.pop("_claimdesk_roles", None)  # claims.access.roles_of's cache
    return RoleChange.objects.create(user=user, actor=actor, before={"roles": before},
                                     after={"roles": wanted}, reason=reason.strip())
