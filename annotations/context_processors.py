"""What every page's frame needs to know of the signed-in user."""

from annotations import access


def desk(request) -> dict:
    """`desk_lead`: whether the top bar shows the leads' pages."""
    user = getattr(request, "user", None)
    return {"desk_lead": access.is_lead(user) if user is not None else False}
