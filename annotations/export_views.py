"""The claim exports, streamed: JSON Lines, CSV and schema.org ClaimReview.

Served by the WSGI processes: under ASGI Django would collect a synchronous iterator into
memory before sending it (see the README's "Exports"). They are API views: a personal API token
(`Authorization: Token …`) or the browser's session, and the API's permission (a desk member,
asked of annotations.access); anonymous requests get 401."""

from collections.abc import Callable, Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, content_negotiation_class
from rest_framework.negotiation import DefaultContentNegotiation

from annotations import exports
from annotations.filters import ClaimFilter
from claims.models import Claim
from config import liveness

WRITE_SIZE = 256 * 1024  # characters


def _buffered(pieces: Iterable[str]) -> Iterator[bytes]:
    """Pieces (a line, or a writer's batch of lines) joined into writes of about WRITE_SIZE:
    one write per batch, not per line."""
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= WRITE_SIZE:
            yield "".join(batch).encode()
            batch, size = [], 0
            liveness.alive()  # a long export is not a hung request (gunicorn's timeout)
    if batch:
        yield "".join(batch).encode()


def export_response(request, *, writer: Callable[[Iterable[exports.ExportClaim]],
                                                 Iterator[str]],
                    content_type: str, extension: str) -> HttpResponse:
    """The claims the request's user may see, filtered by its query parameters, written by
    `writer` and streamed as a download. Bad filters are refused here, before the response
    exists (its status and headers cannot change once streaming starts): the API's JSON 400
    with the reasons by parameter, as the claims list answers."""
    claims = exports.export_filter(request)
    rows = exports.export_rows(request.user, claims)
    response = StreamingHttpResponse(_buffered(writer(rows)), content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="claims-{stamp}.{extension}"'
    return response


class AnyAccept(DefaultContentNegotiation):
    """The export's format is in its URL: whatever the client's Accept header says (curl's
    */*, a browser's text/html, a script's text/csv), the download is what the URL names.
    Request bodies are parsed as usual (a session's POST is read for its CSRF token before
    it is refused, 403 or 405)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


CLAIMREVIEWS = {"type": "array", "description": "schema.org ClaimReview objects.",
                "items": {"type": "object", "additionalProperties": True}}


def export_view(media_type: str, body=OpenApiTypes.BINARY):
    """A streamed download of `media_type` for a token or a session, documented in the schema
    as `body` (a file by default) with the claims list's filters, read from ClaimFilter
    itself (the view never runs the filter backend: export_filter applies ClaimFilter); its
    refusal of bad filters is the claims list's 400, added by annotations.api.schema."""
    def decorate(view):
        view = api_view(["GET"])(content_negotiation_class(AnyAccept)(view))
        view.cls.filter_backends = [DjangoFilterBackend]
        view.cls.filterset_class = ClaimFilter
        view.cls.queryset = Claim.objects.none()
        return extend_schema(
            filters=True, description=(view.__doc__ or "").strip(),
            responses={(200, media_type): body})(view)
    return decorate


@export_view("application/jsonl")
def claims_jsonl(request):
    """One JSON object per claim and line, in reading order, with the fields of a claim of
    GET /api/claims/ under the same names (id, article {id, title, url, outlet, published_on},
    position, kind, status, attribution_version, created_at, source {id, name, kind}, texts,
    final_verdict's label, provenance, reason_code, reason, decided_by, decided_at and
    claim_version) but spans as [start, end] pairs, and instead of my_verdict every verdict
    the caller may see (reviewer's name or null, mine, label, rationale, evidence_links,
    source_correct, content_correct, revision, claim_version, current, created_at,
    updated_at)."""
    return export_response(request, writer=exports.jsonl_lines, extension="jsonl",
                           content_type="application/jsonl; charset=utf-8")


@export_view("text/csv")
def claims_csv(request):
    return export_response(request, writer=exports.csv_lines, extension="csv",
                           content_type="text/csv; charset=utf-8")


@export_view("application/json", CLAIMREVIEWS)
def claims_claimreview(request):
    return export_response(request, writer=exports.claimreview_chunks,
                           extension="claimreview.json",
                           content_type="application/json; charset=utf-8")
