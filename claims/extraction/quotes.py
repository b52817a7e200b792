"""Quotation spans over a parsed Doc, found in one linear pass over its tokens."""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import CLOSE_QUOTES, OPEN_QUOTES, STRAIGHT_QUOTES

# A quotation ends after this many tokens even with no closing mark in sight: the rules give a
# whole quotation to every claim whose content touches it, so a runaway one (a stray mark at
# the top of a long paragraph) would cost its length per claim. Quoted contents in news stay
# far below it (the longest in the benchmark's dev split is about 200 tokens).
MAX_QUOTE = 600
# Marks that open a quotation when none is open and close the open one otherwise: straight
# quotes, and two apostrophes, which some papers print on both sides (''C,'' she said).
_EITHER_SIDE = STRAIGHT_QUOTES | {"''"}


@dataclass(frozen=True)
class Quote:
    start: int  # index of the opening quotation mark token
    end: int  # index one past the closing mark (or the paragraph's last token)
    closed: bool  # False when the paragraph ended first (news style: the quote goes on)


def _is_break(tok) -> bool:
    return "\n" in tok.whitespace_ or (tok.is_space and "\n" in tok.text)


def find_quotes(doc) -> list[Quote]:
    """Pair quotation marks within paragraphs.

    An opening mark with no closing mark before the paragraph break yields an open quote
    running to the paragraph end (or for MAX_QUOTE tokens): journalists reopen a quote that
    continues in the next paragraph without closing it.
    """
    quotes: list[Quote] = []
    open_at = -1
    last_content = -1
    for tok in doc:
        text = tok.text
        if not tok.is_space:
            if text in OPEN_QUOTES or (text in _EITHER_SIDE and open_at < 0):
                if open_at >= 0:  # a second opener: the first one was never closed
                    quotes.append(Quote(open_at, last_content + 1, False))
                open_at = tok.i
            elif (text in CLOSE_QUOTES or text in STRAIGHT_QUOTES) and open_at >= 0:
                quotes.append(Quote(open_at, tok.i + 1, True))
                open_at = -1
            last_content = tok.i
        if open_at >= 0 and (_is_break(tok) or tok.i + 1 - open_at >= MAX_QUOTE):
            quotes.append(Quote(open_at, last_content + 1, False))
            open_at = -1
    if open_at >= 0:
        quotes.append(Quote(open_at, last_content + 1, False))
    return quotes


def quote_index(quotes: list[Quote], n_tokens: int) -> list[int]:
    """Per token, the index of the quote holding it, or -1."""
    inside = [-1] * n_tokens
    for k, q in enumerate(quotes):
        inside[q.start:q.end] = [k] * (q.end - q.start)
    return inside


def quote_mask(quotes: list[Quote], n_tokens: int) -> list[bool]:
    """Per token, True when it lies strictly inside quotation marks."""
    mask = [False] * n_tokens
    for q in quotes:
        mask[q.start + 1:q.end] = [True] * max(0, q.end - q.start - 1)
    return mask
