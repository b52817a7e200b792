"""Request bodies: how large one may be (body_limit, enforced before a byte is read by
config.middleware.RequestBodyLimitMiddleware), and an upload handler that refuses a multipart
body cut short.

Size: a body whose Content-Length is over its view's limit is refused with 413 before it is
read; Django would otherwise read all of it first (a multipart file part is spooled to a
temporary file, 50 MB of it for a 50 MB upload) and only then have a form refuse it. The limit
is DATA_UPLOAD_MAX_MEMORY_SIZE (the largest form or JSON body Django reads, which is above
the largest article file a form takes, article_upload_size_limit) unless the view declares
its own (`request_body_limit`: the bulk import's CLAIMDESK_BULK_MAX_BYTES). A body without
Content-Length (chunked) is read as before, Django stopping at DATA_UPLOAD_MAX_MEMORY_SIZE.
The message is body_too_large_message's, for the pages (config.views.bad_request) and the API
(annotations.api.exceptions) alike.

Cut short:
Django's multipart parser accepts a body that stops before its closing boundary (an upload
interrupted, a broken client) and hands the view whatever it got, the last field cut where the
body stopped: an article pasted into a form would be stored truncated. This handler, first in
FILE_UPLOAD_HANDLERS, watches the end of the body as the parser reads it and, once the parser is
done, raises MultiPartParserError if the closing boundary never came. Django answers that with
400 (handler400) and DRF with a 400 parse error; no view sees the fields.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError


@dataclass(frozen=True)
class BodyLimit:
    """A view's own body limit: the setting that holds it (read when asked, so tests and a
    changed environment count), and what to do instead of sending a larger body."""

    setting: str
    hint: str = ""

    @property
    def bytes(self) -> int:
        return getattr(settings, self.setting)


DEFAULT_BODY_LIMIT = BodyLimit("DATA_UPLOAD_MAX_MEMORY_SIZE")


def body_limit(view) -> BodyLimit:
    """The body limit of a view function (or of the class a DRF or class-based view was made
    from): its `request_body_limit`, else DATA_UPLOAD_MAX_MEMORY_SIZE."""
    for holder in (view, getattr(view, "cls", None), getattr(view, "view_class", None)):
        limit = getattr(holder, "request_body_limit", None)
        if limit is not None:
            return limit
    return DEFAULT_BODY_LIMIT


def body_too_large_message(*, size: int | None, limit: int, hint: str = "") -> str:
    told = f"is {size:,} bytes" if size is not None else "is too large"
    return (f"The request body {told}; the limit is {limit:,} bytes. Nothing was saved."
            + (f" {hint}" if hint else ""))


def declared_length(request) -> int | None:
    """The body's Content-Length, or None when there is none (chunked) or it is not a
    number."""
    value = request.META.get("CONTENT_LENGTH") or ""
    return int(value) if value.isdigit() else None


class BodyTooLarge(RequestDataTooBig):
    """A body over its view's limit, refused unread: Django answers with handler400, which
    tells the size and the limit (413)."""

    def __init__(self, *, size: int | None, limit: BodyLimit):
        self.size, self.limit = size, limit.bytes
        super().__init__(body_too_large_message(size=size, limit=self.limit, hint=limit.hint))


# The closing boundary is looked for in this many last bytes of the body: it ends the body, but
# for an optional line end (the RFC's epilogue, which no browser sends, may follow it).
TAIL_BYTES = 1024


class _TailKept:
    """A stream that keeps the last bytes read from it."""

    def __init__(self, stream, keep: int):
        self._stream, self._keep, self.tail = stream, keep, b""

    def _kept(self, data: bytes) -> bytes:
        self.tail = (self.tail + data)[-self._keep:]
        return data

    def read(self, *args, **kwargs) -> bytes:
        return self._kept(self._stream.read(*args, **kwargs))

    def readline(self, *args, **kwargs) -> bytes:
        return self._kept(self._stream.readline(*args, **kwargs))

    def __getattr__(self, name):
        return getattr(self._stream, name)


class CompleteMultipartHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.closing = b"--" + boundary + b"--"
        self.watched = None
        keep = TAIL_BYTES + len(self.closing)
        if hasattr(input_data, "getvalue"):  # the body was read already: it is all here
            self.watched = _TailKept(None, keep)
            self.watched._kept(input_data.getvalue())
        elif hasattr(input_data, "_stream"):  # the request: watch its stream as it is read
            self.watched = input_data._stream = _TailKept(input_data._stream, keep)

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # files are the next handlers' business

    def file_complete(self, file_size):
        return None

    def upload_complete(self):
        if self.watched is not None and self.closing not in self.watched.tail:
            raise MultiPartParserError(
                "The form data ends before its closing boundary: the upload was cut short or "
                "sent broken, so nothing was saved. Send it again."
            )
