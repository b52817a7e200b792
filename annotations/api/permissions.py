from rest_framework.permissions import BasePermission

from annotations import access


class IsDeskMember(BasePermission):
    """The API is for the desk: a reviewer or a lead (annotations.access). A request without
    credentials is answered 401 (the first authentication class sends WWW-Authenticate), an
    account with no role 403."""

    message = "Your account has no role on this desk: ask a lead."

    def has_permission(self, request, view) -> bool:
        return access.is_desk_member(request.user)
