from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache


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


def bad_request(request, exception):
    """Django's 400, explained: 413 for a form body over DATA_UPLOAD_MAX_MEMORY_SIZE, 400 for
    one it cannot take (a broken multipart body, too many fields)."""
    too_large = isinstance(exception, RequestDataTooBig)
    return render(request, "400.html", {
        "max_article_bytes": settings.CLAIMDESK_MAX_ARTICLE_BYTES,
        "max_body_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        "too_large": too_large,
        "reason": str(exception) if isinstance(exception, MultiPartParserError) else "",
    }, status=413 if too_large else 400)


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: point them at the SVG icon.

    Temporary, so a new icon (a new hashed name in production) reaches them within a day."""
    return redirect(static("favicon.svg"))
