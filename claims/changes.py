"""A recorded claim change (ClaimChange.before/after) in words: the text its spans covered
before and after, its status change, its source entity change. Pure: the caller passes the
article text, and the names of entities the change recorded only by id."""

from collections.abc import Mapping
from typing import Protocol

from claims.spans import span_quoted, spans_text

SPAN_ROLES = ("source", "cue", "content")

# (what changed, before, after): before is None when the change recorded no earlier state (a
# claim's creation), "" when it was empty (no source span, no entity).
ChangeRow = tuple[str, str | None, str]


class RecordedChange(Protocol):
    before: dict
    after: dict


def claim_change_rows(change: RecordedChange, text: str, *,
                      source_names: Mapping[int, str] | None = None) -> list[ChangeRow]:
    before, after = change.before or {}, change.after or {}
    rows: list[ChangeRow] = []
    for role in SPAN_ROLES:
        if role in before or role in after:
            old = spans_text(text, before[role]) if role in before else None
            new = spans_text(text, after.get(role, ()))
            if old or new:
                rows.append((role, old, new))
    if "status" in before or "status" in after:
        rows.append(("status", before.get("status"), after.get("status", "")))
    if "source_id" in before or "source_id" in after:
        names = source_names or {}
        old = _entity(before, names) if "source_id" in before else None
        new = _entity(after, names)
        if after.get("merged"):
            new += " (merged)"
        rows.append(("source entity", old, new))
    return rows


def _entity(side: Mapping, names: Mapping[int, str]) -> str:
    source_id = side.get("source_id")
    if source_id is None:
        return ""
    return side.get("source_name") or names.get(source_id) or f"#{source_id}"


def claim_change_summary(change: RecordedChange, text: str, *,
                         source_names: Mapping[int, str] | None = None) -> str:
    """One line, e.g. 'content: “old words” → “new words”; source entity: #3 → the navy'."""
    parts = []
    for what, old, new in claim_change_rows(change, text, source_names=source_names):
        quote = _quoted if what in SPAN_ROLES else _plain
        parts.append(f"{what}: {quote(new)}" if old is None
                     else f"{what}: {quote(old)} → {quote(new)}")
    return "; ".join(parts)


def _quoted(value: str) -> str:
    return span_quoted(value) if value else "nothing"


def _plain(value: str) -> str:
    return value or "none"
