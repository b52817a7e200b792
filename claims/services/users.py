"""A user's roles on the desk: changed here only, each change recorded in RoleChange."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string

from claims.access import ROLES, is_desk_member
from claims.models import RoleChange


def _roles_held(user) -> list[str]:
    return sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


@transaction.atomic
def user_roles_set(*, user, roles, actor, reason: str = "", is_staff: bool | None = None,
                   is_superuser: bool | None = None,
                   is_active: bool | None = None) -> RoleChange | None:
    """Give `user` exactly `roles` (of claims.access.ROLES), and the admin and active flags
    when given (a superuser counts as a lead, an inactive account has no role, so the flags
    are part of a user's role); groups that are not roles are left alone. Records who, before,
    after and why; None when nothing changed. A user who stops reviewing (the account is
    deactivated, or loses every role that lets it review while staying active) also loses its
    work in progress (settings.CLAIMDESK_USER_STOPS_REVIEWING: leases released, assignments
    withdrawn)."""
    wanted = sorted(set(roles))
    unknown = [role for role in wanted if role not in ROLES]
    if unknown:
        raise ValidationError(f"Unknown role {unknown[0]!r}: use {' or '.join(ROLES)}.")
    # Lock the user so two concurrent changes record consistent before/after pairs.
    locked = type(user).objects.select_for_update().get(pk=user.pk)
    held = _roles_held(user)
    reviewed = is_desk_member(locked)  # claims.access: reviewers and leads both review
    flags = {"is_staff": is_staff, "is_superuser": is_superuser, "is_active": is_active}
    flags_before = {name: getattr(locked, name) for name, value in flags.items()
                    if value is not None}
    flags_after = {name: value for name, value in flags.items() if value is not None}
    if held == wanted and flags_before == flags_after:
        return None
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    user.groups.remove(*(groups[name] for name in held if name not in wanted))
    user.groups.add(*(groups[name] for name in wanted if name not in held))
    if flags_before != flags_after:
        for name, value in flags_after.items():
            setattr(user, name, value)
        user.save(update_fields=list(flags_after))
    user.__dict__.pop("_claimdesk_roles", None)  # claims.access.roles_of's cache
    deactivated = flags_before.get("is_active") and flags_after.get("is_active") is False
    if deactivated or (reviewed and not is_desk_member(user)):
        # The reviewing side's leases and assignments of the user end when they stop
        # reviewing, so their claims go back to the pool now (a setting: claims never imports
        # annotations).
        import_string(settings.CLAIMDESK_USER_STOPS_REVIEWING)(
            reviewer=user, actor=actor, reason=reason.strip(),
            cause="account deactivated" if deactivated else "reviewer role removed")
    return RoleChange.objects.create(
        user=user, actor=actor, reason=reason.strip(),
        before={"roles": held, **{k: v for k, v in flags_before.items()
                                  if flags_after[k] != v}},
        after={"roles": wanted, **{k: v for k, v in flags_after.items()
                                   if flags_before[k] != v}})


@transaction.atomic
def user_deactivate(*, user, actor, reason: str = "") -> RoleChange | None:
    """Close an account instead of deleting it (verdicts, claims and every history name their
    users): it can no longer sign in or act, and its leases and assignments end with it (see
    user_roles_set); its roles are kept for a reactivation. Recorded as a role change; None
    when it was already inactive."""
    if actor is not None and user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    return user_roles_set(user=user, roles=_roles_held(user), actor=actor, reason=reason,
                          is_active=False)
