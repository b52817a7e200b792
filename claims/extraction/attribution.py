"""The extractor's output record."""

from __future__ import annotations

from dataclasses import dataclass

Span = tuple[int, int]
KINDS = ("direct", "indirect", "according_to", "other")


@dataclass(frozen=True)
class Attribution:
    source: tuple[Span, ...]  # may be empty (no source found)
    cue: tuple[Span, ...]
    content: tuple[Span, ...]
    kind: str  # one of KINDS
    confidence: float  # in [0, 1]
    sentence: Span  # the (first) sentence holding the cue
    source_text: str  # the source as written ("It"), "" if none
    resolved_source: str  # the antecedent for pronouns ("The ministry"), else source_text
    anonymous: bool  # unnamed source ("a local official", "sources")
    pattern: str = ""  # the rule that found it: clause, infinitive, object, according-to, ...
    # The speaker entity: its short name, without appositions and relative clauses ("Mayor Ada
    # Quill" for "Mayor Ada Quill, who leads the council"; for pronouns, the antecedent's), and
    # its kind, one of SOURCE_KINDS (the values of claims.models.Source.Kind).
    source_name: str = ""
    source_kind: str = "other"

    def to_json(self) -> dict:
        return {
            "source": [list(s) for s in self.source],
            "cue": [list(s) for s in self.cue],
            "content": [list(s) for s in self.content],
            "kind": self.kind,
            "confidence": self.confidence,
            "sentence": list(self.sentence),
            "source_text": self.source_text,
            "resolved_source": self.resolved_source,
            "anonymous": self.anonymous,
            "pattern": self.pattern,
            "source_name": self.source_name,
            "source_kind": self.source_kind,
        }
