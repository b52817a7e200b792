import math
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import cache_control, never_cache

from config.uploads import BodyTooLarge, body_too_large_message, declared_length

# How long a client is asked to wait before trying again when the database is unavailable.
DATABASE_RETRY_AFTER_SECONDS = 5


@never_cache
def healthz(request):
    """For load balancers and compose health checks: 200 when the database answers, else 503.

    Exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), so a check from inside the
    container works over plain HTTP."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """Django's 500 page, unless what failed is the database connection (a restart, a failover,
    too many connections): then 503, a page that says so and when to try again, or JSON for
    the API. Django has logged the error with its traceback; the page shows none.

    Rendered without the request's context processors, like Django's 500: they would ask the
    database about the signed-in user. The next request needs no restart of the web process:
    CONN_HEALTH_CHECKS replaces the broken connection (config/settings/base.py)."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return defaults.server_error(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": "The database is unavailable for a moment; "
                                 "nothing was done. Try the request again in a few seconds."},
                                status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"request": request}), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def page_not_found(request, exception):
    """Django's 404 page (templates/404.html), or for an address under /api/ that no endpoint
    answers, the API's JSON 404 like every other API error: a script reading `detail` gets
    one, not an HTML page. Unknown objects of known endpoints are DRF's own 404s."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found: no API endpoint at this address. The "
                             "endpoints are listed at /api/."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """Django's 400, explained: 413 for a body over its limit (config/uploads.py: refused
    unread when its Content-Length says so; DATA_UPLOAD_MAX_MEMORY_SIZE once read), as JSON
    for the API; 400 for one it cannot take (a broken multipart body, too many fields)."""
    too_large = isinstance(exception, RequestDataTooBig)
    if too_large and request.path.startswith("/api/"):
        return JsonResponse({"detail": too_large_message(request, exception)}, status=413)
    return render(request, "400.html", {
        "max_article_bytes": settings.CLAIMDESK_MAX_ARTICLE_BYTES,
        "max_body_bytes": getattr(exception, "limit", settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
        "too_large": too_large,
        "reason": str(exception) if isinstance(exception, MultiPartParserError) else "",
    }, status=413 if too_large else 400)


def too_large_message(request, exception: RequestDataTooBig) -> str:
    """What a 413 says: the refusal's own message (BodyTooLarge), or for a body Django found
    too large as it read it, its declared size and DATA_UPLOAD_MAX_MEMORY_SIZE."""
    if isinstance(exception, BodyTooLarge):
        return str(exception)
    return body_too_large_message(size=declared_length(request),
                                  limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: point them at the SVG icon.

    Temporary, so a new icon (a new hashed name in production) reaches them within a day."""
    return redirect(static("favicon.svg"))


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login refused for too many failures (AXES_LOCKOUT_CALLABLE).

    The refused attempt itself restarted the cool-off, so the wait counts from now."""
    cool_off = settings.AXES_COOLOFF_TIME
    response = render(request, "registration/locked_out.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "retry_at": timezone.now() + cool_off,
        "cool_off_minutes": math.ceil(cool_off.total_seconds() / 60),
    }, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
