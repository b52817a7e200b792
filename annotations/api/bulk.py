"""POST /api/articles/bulk: many articles in one request, through the bulk import service.

The body is JSON Lines or CSV (by Content-Type), or a multipart/form-data upload whose field
`file` holds a .jsonl/.ndjson/.csv file (format by extension, or a `format` field). It is read
line by line (claims.services.articles_import, the code behind manage.py import_articles): each
good line is stored through article_create in its own transaction with its segmentation queued,
each bad line stores nothing and is reported with its number and why.

The answer is always the same summary: 200 when every line was good, 207 (Multi-Status) when
some failed and others were stored, 400 when none was stored (every line failed, or there was
no article in the body). A body over CLAIMDESK_BULK_MAX_BYTES is refused with 413 before a byte
of it is read (its request_body_limit, config/uploads.py), a Content-Type other than those
three with 415.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services
from claims.services.imports import IMPORT_FORMATS, ArticleImportResult
from config.uploads import BodyLimit, declared_length

# Enough to act on, few enough for a response (a body of nothing but bad lines would list
# millions); `failed` counts them all.
ERRORS_LISTED = 1000


@dataclass(frozen=True)
class BulkBody:
    """A JSONL or CSV body not yet read: its lines are read as the import goes."""

    format: str
    lines: object


class _LinesParser(BaseParser):
    """Hands the body over unread (the import reads it line by line), and only as UTF-8."""

    format_name = ""

    def parse(self, stream, media_type=None, parser_context=None):
        declared = _charset(media_type)
        if declared not in ("", "utf-8", "utf8"):
            raise UnsupportedMediaType(media_type, detail=(
                f"The body must be UTF-8, not {declared}: convert it and send it again."))
        return BulkBody(format=self.format_name, lines=stream)


class NdjsonParser(_LinesParser):
    media_type = "application/x-ndjson"
    format_name = "jsonl"


class JsonlParser(_LinesParser):
    media_type = "application/jsonl"
    format_name = "jsonl"


class CsvParser(_LinesParser):
    media_type = "text/csv"
    format_name = "csv"


def _charset(media_type: str | None) -> str:
    for param in (media_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


class BulkError(serializers.Serializer):
    line = serializers.IntegerField(help_text="for CSV, the line where the record starts "
                                              "(the header is line 1)")
    message = serializers.CharField()


class BulkSummary(serializers.Serializer):
    detail = serializers.CharField(help_text="the summary in words, or what is wrong with the "
                                             "request")
    imported = serializers.IntegerField(help_text="articles stored by this request")
    duplicates = serializers.IntegerField(help_text="lines whose text was already stored (or "
                                                    "repeated in the body): nothing stored")
    failed = serializers.IntegerField(help_text="lines refused: nothing stored")
    errors = BulkError(many=True, help_text=f"the failed lines, the first {ERRORS_LISTED:,}")
    articles = serializers.ListField(child=serializers.IntegerField(),
                                     help_text="ids of the articles stored, in line order")
    duplicate_articles = serializers.ListField(
        child=serializers.IntegerField(), help_text="ids of the stored articles the duplicates "
                                                    "matched, in line order")


class BulkUpload(serializers.Serializer):
    file = serializers.FileField(help_text="a .jsonl, .ndjson or .csv file")
    format = serializers.ChoiceField(choices=IMPORT_FORMATS, required=False,
                                     help_text="jsonl or csv (default: from the extension)")


class ErrorDetail(serializers.Serializer):
    detail = serializers.CharField()


def _summary(result: ArticleImportResult, detail: str = "") -> dict:
    return {
        "detail": detail or result.summary(),
        "imported": result.imported,
        "duplicates": result.duplicates,
        "failed": result.failed_count,
        "errors": [{"line": line, "message": message} for line, message in result.failed],
        "articles": result.article_ids,
        "duplicate_articles": result.duplicate_ids,
    }


def _refused(message: str, result: ArticleImportResult | None = None) -> Response:
    """Nothing was stored: the summary (of nothing, when the body could not be read) and why."""
    return Response(_summary(result or ArticleImportResult(), message),
                    status=status.HTTP_400_BAD_REQUEST)


class ArticleBulkView(APIView):
    parser_classes = [NdjsonParser, JsonlParser, CsvParser, MultiPartParser]
    request_body_limit = BodyLimit("CLAIMDESK_BULK_MAX_BYTES", hint=(
        "Split the file, or import it on the server with manage.py import_articles."))

    @extend_schema(
        operation_id="articles_bulk_create",
        tags=["articles"],
        summary="Import many articles (JSON Lines, CSV or a file upload)",
        description=(
            "Each line is checked and stored on its own (fields `title`, `text` (required), "
            "`url`, `outlet`, `published` (or `published_on`) as YYYY-MM-DD), its segmentation "
            "queued; a bad line stores nothing and is listed with its line number. Sending the "
            "same body again is safe: stored texts count as duplicates. UTF-8 only."),
        request={
            "application/x-ndjson": OpenApiTypes.BINARY,
            "application/jsonl": OpenApiTypes.BINARY,
            "text/csv": OpenApiTypes.BINARY,
            "multipart/form-data": BulkUpload,
        },
        responses={
            200: OpenApiResponse(BulkSummary, description="every line was stored (or was a "
                                                          "duplicate)"),
            207: OpenApiResponse(BulkSummary, description="some lines failed, the others were "
                                                          "stored: see errors"),
            400: OpenApiResponse(BulkSummary, description="nothing was stored: every line "
                                                          "failed, or the body has no article"),
            413: OpenApiResponse(ErrorDetail, description="the body is over the size limit"),
            415: OpenApiResponse(ErrorDetail, description="not JSON Lines, CSV or multipart"),
        },
        examples=[OpenApiExample("Two stored, one failed", status_codes=["207"], value={
            "detail": "Imported 2 articles; 0 duplicates; 1 line failed", "imported": 2,
            "duplicates": 0, "failed": 1,
            "errors": [{"line": 2, "message": "not valid JSON (Expecting value at column 1)"}],
            "articles": [41, 42], "duplicate_articles": []}, response_only=True)],
    )
    def post(self, request):
        if request.negotiator.select_parser(request, self.get_parsers()) is None:
            raise UnsupportedMediaType(request.content_type, detail=(
                f"Cannot import “{request.content_type or 'no Content-Type'}”: send JSON Lines "
                "(Content-Type: application/x-ndjson or application/jsonl), CSV (text/csv), or "
                "a multipart/form-data upload with the file in the field “file”."))
        body = request.data
        try:
            if isinstance(body, BulkBody):
                format_, lines = body.format, body.lines
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    return _refused(
                        "The body is empty." if not declared_length(request) else
                        "No file: send the articles in the multipart field “file”.")
                format_ = body.get("format") or services.articles_import_format(upload.name)
                upload.seek(0)
                lines = upload.file
            result = services.articles_import(lines=lines, format=format_,
                                              submitted_by=request.user,
                                              failures_listed=ERRORS_LISTED)
        except ValidationError as exc:
            return _refused(" ".join(exc.messages))
        good = result.imported + result.duplicates
        if not good:
            return _refused(
                f"No line could be imported ({result.failed_count:,} failed): see errors."
                if result.failed_count else
                "The body has no article: send one JSON object per line, or a CSV header line "
                "and one record per article.", result)
        return Response(_summary(result), status=status.HTTP_207_MULTI_STATUS
                        if result.failed_count else status.HTTP_200_OK)

