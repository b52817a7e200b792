"""The article text split at every span boundary and rendered with its highlights.

Rendered in Python rather than in a template loop: a long article has thousands of segments,
and the template engine's per-variable cost made that loop most of the article page's time.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import Protocol

from django.utils.safestring import SafeString, mark_safe

from claims.models import Claim
from claims.selectors import SpanRow, claim_highlights

ROLE_ORDER = ("source", "cue", "content")


@dataclass(slots=True)
class Segment:
    """A stretch of the article text covered by the same set of (claim, role) spans."""

    start: int
    text: str
    css: str = "seg"
    claims: str = ""  # "12:source 14:content", read by review.js


class Highlighted(Protocol):
    """What a highlight needs of a claim (the review page's read models have it)."""

    id: int
    status: str
    span_rows: Sequence[SpanRow]


def text_segments(text: str, claims: Iterable[Highlighted], selected_id: int | None = None,
                  start: int = 0, end: int | None = None) -> list[Segment]:
    """Split `text[start:end]` at every span boundary of `claims`,
    in one pass; spans reaching outside the window are cut at its edges.

    Rejected claims are not highlighted unless selected. Each segment carries the roles
    covering it as CSS classes (r-source, r-cue, r-content; sel-<role> for the selected claim)
    and the claim:role pairs, so overlapping and nested attributions all stay visible.
    """
    end = len(text) if end is None else end
    starts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    ends: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for claim in claims:
        if claim.status == Claim.Status.REJECTED and claim.id != selected_id:
            continue
        for role, span_start, span_end in claim.span_rows:
            a, b = max(span_start, start), min(span_end, end)
            if a < b:
                starts[a].append((claim.id, role))
                ends[b].append((claim.id, role))
    boundaries = sorted({start, end, *starts, *ends})
    active: dict[tuple[int, str], None] = {}
    segments: list[Segment] = []
    for a, b in pairwise(boundaries):
        for key in ends.get(a, ()):
            active.pop(key, None)
        for key in starts.get(a, ()):
            active[key] = None
        if not active:
            segments.append(Segment(start=a, text=text[a:b]))
            continue
        roles = {role for _, role in active}
        css = ["seg", "hl", *(f"r-{role}" for role in ROLE_ORDER if role in roles)]
        selected = {role for claim_id, role in active if claim_id == selected_id}
        if selected:
            css += ["sel", *(f"sel-{role}" for role in ROLE_ORDER if role in selected)]
        segments.append(Segment(
            start=a, text=text[a:b], css=" ".join(css),
            claims=" ".join(f"{claim_id}:{role}" for claim_id, role in active),
        ))
    return segments


def article_text_html(segments: list[Segment]) -> SafeString:
    """One <span> per segment; the text (untrusted) is always escaped, quotes included."""
    return mark_safe("".join(  # noqa: S308 - every interpolated value is escaped or our own
        f'<span class="{s.css}" data-start="{s.start}"'
        + (f' data-c="{s.claims}"' if s.claims else "")
        + f">{escape(s.text)}</span>"
        for s in segments
    ))


def text_blocks(text: str, size: int = 2000) -> list[tuple[int, int]]:
    """`text` cut into (start, end) blocks of `size` to 2 * `size` characters, each ending
    after a line end, else after a sentence's full stop, where that stretch has one: the
    pieces a long article's page highlights one at a time."""
    blocks, start = [], 0
    while start < len(text):
        end = min(len(text), start + 2 * size)
        for stop in ("\n", ". "):
            at = text.find(stop, start + size, end)
            if at != -1:
                end = at + len(stop)
                break
        blocks.append((start, end))
        start = end
    return blocks


def block_html(text: str, start: int, end: int, segments: list[Segment] | None = None,
               lazy_url: str = "") -> SafeString:
    """One block of the article text: with `segments`, its highlighted segments; without,
    the plain text as one segment (offsets stay exact) that fetches its highlights from
    `lazy_url` once it is scrolled into view."""
    if segments is not None:
        return mark_safe(  # noqa: S308 - article_text_html escapes
            f'<span class="block" data-start="{start}" data-end="{end}">'
            f"{article_text_html(segments)}</span>")
    return mark_safe(  # noqa: S308 - every interpolated value is escaped or our own
        f'<span class="block seg" data-start="{start}" data-end="{end}" '
        f'hx-get="{escape(lazy_url)}" hx-trigger="intersect once" hx-swap="outerHTML">'
        f"{escape(text[start:end])}</span>")


def text_preview(text: str, limit: int = 120) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def article_text_in_blocks(article, *, selected_id: int | None,
                           selected_spans: Sequence[SpanRow] = (),
                           claims: Sequence[Highlighted] | None = None) -> SafeString:
    """The whole article text in blocks; the blocks around the selected claim come with their
    highlights, the others as plain text that fetches its highlights once scrolled into view
    (`article_text_block`): a long article's thousands of highlights were most of its page's
    size and time. `claims`: all of the article's claims with their spans, when the caller
    has read them already (else the highlighted blocks' spans are read here)."""
    text = article.text
    blocks = text_blocks(text)
    shown = range(0)
    if selected_spans:
        low = min(start for _, start, _ in selected_spans)
        high = max(end for _, _, end in selected_spans)
        touched = [i for i, (a, b) in enumerate(blocks) if a < high and b > low] or [0]
        shown = range(max(0, touched[0] - 1), min(len(blocks), touched[-1] + 2))
    highlights = [] if not shown else claim_highlights(
        article_id=article.pk, start=blocks[shown[0]][0], end=blocks[shown[-1]][1]
    ) if claims is None else _in_text_order(claims, blocks[shown[0]][0], blocks[shown[-1]][1])
    url = article.get_absolute_url()
    return mark_safe("".join(  # noqa: S308 - block_html escapes the text
        block_html(text, a, b, text_segments(text, highlights, selected_id, a, b))
        if i in shown else block_html(text, a, b, lazy_url=f"{url}?text={a}-{b}")
        for i, (a, b) in enumerate(blocks)))


def _in_text_order(claims: Iterable[Highlighted], start: int, end: int) -> list[Highlighted]:
    """The claims with a span in text[start:end], in the order claim_highlights reads them
    (by their first such span), so the segments list overlapping claims alike."""
    keyed = []
    for claim in claims:
        inside = [(a, b) for _, a, b in claim.span_rows if a < end and b > start]
        if inside:
            keyed.append((min(inside), claim.id, claim))
    return [claim for *_, claim in sorted(keyed, key=lambda row: row[:2])]


def article_text_block(article, *, start: int, end: int) -> SafeString:
    """One block of the text with its highlights (no claim selected), fetched lazily."""
    highlights = claim_highlights(article_id=article.pk, start=start, end=end)
    return block_html(article.text, start, end,
                      text_segments(article.text, highlights, None, start, end))
