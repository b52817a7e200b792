from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render, resolve_url

from config.uploads import BodyTooLarge, body_limit, declared_length


class HtmxLoginRedirectMiddleware:
    """An htmx request from a signed-out browser (an expired session, a log-out in another
    tab) is sent to the login page as a full page, coming back afterwards to the page the
    reviewer was on.

    Left alone, htmx would follow login_required's redirect and swap the login form into the
    review panel as if the save had worked. Here the answer is 401 with HX-Redirect: htmx
    navigates, and the page's script, seeing no success, keeps the unsaved input as a draft
    that the review panel restores after the login.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (getattr(request, "htmx", False) and response.status_code in (301, 302)
                and not request.user.is_authenticated):
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login:
            return response
        back_to = request.htmx.current_url_abs_path or request.get_full_path()
        refused = HttpResponse("Your session has ended: log in again.", status=401,
                               content_type="text/plain; charset=utf-8")
        refused["HX-Redirect"] = f"{login}?{urlencode({'next': back_to})}"
        return refused


class MethodNotAllowedPageMiddleware:
    """Django's 405 (require_POST, require_safe) has an empty body: a person who lands on one,
    say by reloading an address a form posted to, would see a blank page. Here it says which
    methods the address takes. Answers with a body of their own (the API's) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        allowed = response.get("Allow", "")
        page = render(request, "405.html", {"method": request.method, "allowed": allowed},
                      status=405)
        page["Allow"] = allowed
        return page


class RequestBodyLimitMiddleware:
    """Refuses a body whose Content-Length is over the view's limit (config.uploads.body_limit)
    before anything reads it: 413 with the size and the limit, nothing read, nothing spooled
    to disk. Before CsrfViewMiddleware, whose check reads a POST's form fields."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        size = declared_length(request)
        if size is None:
            return None
        limit = body_limit(view_func)
        if limit.bytes is not None and size > limit.bytes:  # None: no limit (Django's too)
            raise BodyTooLarge(size=size, limit=limit)
        return None
