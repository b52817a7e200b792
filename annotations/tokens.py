"""Personal API tokens: the service that creates and revokes them and the selector that lists
a user's own. The key is handed out once, by token_create; knox keeps only its SHA-512 digest
and the first characters (token_key) by which its owner can recognise it."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from knox.models import get_token_model

from annotations.models import ApiTokenName


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    starts_with: str
    created: datetime
    expiry: datetime | None

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()


def token_name_validate(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the token a name, such as the tool that will use it.")
    if len(name) > ApiTokenName.MAX_LENGTH:
        raise ValidationError(f"A token's name has at most {ApiTokenName.MAX_LENGTH} "
                              f"characters; this one has {len(name)}.")
    return name


@transaction.atomic
def token_create(*, user, name: str) -> tuple[TokenRow, str]:
    """The new token's row and its key: the only time the key exists outside the client."""
    name = token_name_validate(name)
    token, key = get_token_model().objects.create(user=user)
    named = ApiTokenName.objects.create(token=token, name=name)
    return _row(named), key


@transaction.atomic
def token_revoke(*, user, token_id: int) -> bool:
    """Delete one of `user`'s own tokens; False when they have none with this id."""
    named = ApiTokenName.objects.filter(pk=token_id, token__user=user).select_related(
        "token").first()
    if named is None:
        return False
    named.token.delete()  # cascades to the name
    return True


def tokens_of(user) -> list[TokenRow]:
    """The user's named tokens, newest first (tokens made elsewhere, e.g. the admin, have no
    name and are not listed)."""
    named = (ApiTokenName.objects.filter(token__user=user).select_related("token")
             .order_by("-token__created", "-id"))
    return [_row(n) for n in named]


def _row(named: ApiTokenName) -> TokenRow:
    return TokenRow(id=named.pk, name=named.name, starts_with=named.token.token_key[:8],
                    created=named.token.created, expiry=named.token.expiry)
