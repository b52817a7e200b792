"""Span lists as the services accept them: [[start, end], ...] into an article's text."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError

SpanList = list[tuple[int, int]]


def spans_clean(spans: Iterable[Sequence[int]] | None, *, text_length: int, field: str) -> SpanList:
    """Return the spans sorted, or raise ValidationError naming the bad one.

    Every span must satisfy 0 <= start < end <= text_length, and spans must not overlap.
    """
    cleaned: SpanList = []
    for span in spans or ():
        try:
            start, end = span
        except (TypeError, ValueError):
            raise ValidationError(
                f"{field}: each span must be a [start, end] pair, got {span!r}."
            ) from None
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            raise ValidationError(f"{field}: span offsets must be integers, got {span!r}.")
        if not 0 <= start < end <= text_length:
            raise ValidationError(
                f"{field}: span [{start}, {end}] is outside the article text "
                f"(need 0 <= start < end <= {text_length})."
            )
        cleaned.append((start, end))
    cleaned.sort()
    for (_, prev_end), (start, _) in zip(cleaned, cleaned[1:], strict=False):
        if start < prev_end:
            raise ValidationError(f"{field}: spans overlap at offset {start}.")
    return cleaned


def spans_text(text: str, spans: Iterable[tuple[int, int]], sep: str = " … ") -> str:
    return sep.join(text[start:end] for start, end in spans)


# the marks a span may open with when it quotes someone itself
_OPENING_QUOTES = frozenset("\"'“‘«„‚‹「『")


def span_quoted(text: str) -> str:
    """A span's text between “ ”, unless it opens with quotation marks of its own (a direct
    quotation's content includes them): the marks are then the article's, shown once."""
    return text if text.lstrip()[:1] in _OPENING_QUOTES else f"“{text}”"
