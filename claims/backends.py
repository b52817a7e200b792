"""The authentication backend: Django's ModelBackend, reading the signed-in user's roles in
the same query as the user (one query a request fewer: every desk page asks for the roles).

Sessions record the dotted path of the backend that logged them in, and Django resolves a
session only through a backend listed in AUTHENTICATION_BACKENDS. Listing ModelBackend beside
this one would keep the sessions made before it resolving, but would also check a wrong
password twice (each backend tries it); `LegacySessionMiddleware` instead moves those
sessions over to this backend as they come in, so no one is logged out.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend, UserModel

from claims.access import user_with_roles

LEGACY = "django.contrib.auth.backends.ModelBackend"
DESK = "claims.backends.DeskBackend"


class DeskBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_with_roles(UserModel, user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class LegacySessionMiddleware:
    """Sessions logged in through ModelBackend (before DeskBackend) resolve through DeskBackend,
    its subclass: same users, same checks (active, session hash). Sits between the session and
    authentication middlewares; it can go once SESSION_COOKIE_AGE has passed since the switch.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only with a session cookie: a request without one has no session to read (and
        # reading it would mark the response as varying on cookies).
        if (settings.SESSION_COOKIE_NAME in request.COOKIES
                and request.session.get(BACKEND_SESSION_KEY) == LEGACY):
            request.session[BACKEND_SESSION_KEY] = DESK
        return self.get_response(request)
