"""An upload handler that refuses a multipart body cut short.

Django's multipart parser accepts a body that stops before its closing boundary (an upload
interrupted, a broken client) and hands the view whatever it got, the last field cut where the
body stopped: an article pasted into a form would be stored truncated. This handler, first in
FILE_UPLOAD_HANDLERS, watches the end of the body as the parser reads it and, once the parser is
done, raises MultiPartParserError if the closing boundary never came. Django answers that with
400 (handler400) and DRF with a 400 parse error; no view sees the fields.
"""

from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError

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
