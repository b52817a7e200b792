"""What a source refers to: pronoun antecedents and unnamed ("anonymous") sources."""

from __future__ import annotations

from . import lexicon as lx

PERSON_ENTS = frozenset({"PERSON", "NORP"})
THING_ENTS = frozenset({"ORG", "GPE", "FAC", "PRODUCT", "WORK_OF_ART", "LAW"})


def _head_kind(doc, head: int) -> str:
    """'person', 'thing' or '' (unknown) for the head word of a non-pronoun source."""
    tok = doc[head]
    ent = tok.ent_type_
    if ent in PERSON_ENTS:
        return "person"
    if ent in THING_ENTS:
        return "thing"
    lemma = tok.lemma_.lower()
    if lemma in lx.PERSON_NOUNS:
        return "person"
    if lemma in lx.ORG_NOUNS:
        return "thing"
    if tok.pos_ == "PROPN":
        return "person"  # untyped names (no NER) are mostly people in news
    return ""


def _fits(pronoun: str, kind: str, plural: bool) -> bool:
    if pronoun in lx.PERSON_PRONOUNS:
        return kind == "person" and not plural
    if pronoun in lx.THING_PRONOUNS:
        return kind == "thing" and not plural
    if pronoun in lx.PLURAL_PRONOUNS:
        return plural or kind == "thing"
    return False


def is_pronoun(doc, ids: list[int]) -> bool:
    words = [doc[i] for i in ids if not doc[i].is_punct and not doc[i].is_space]
    return len(words) == 1 and words[0].pos_ == "PRON"


def is_anonymous(doc, ids: list[int], head: int) -> bool:
    if not ids:
        return False
    text = doc[ids[0]:ids[-1] + 1].text.lower()
    if any(marker in text for marker in lx.ANONYMITY_MARKERS):
        return True
    if any(doc[i].pos_ == "PROPN" or doc[i].ent_type_ in PERSON_ENTS | THING_ENTS
           for i in ids):
        return False
    return head >= 0 and doc[head].lower_ in lx.ANONYMOUS_HEADS


class Resolver:
    """Remembers named sources and mentions in document order to resolve pronoun sources.

    Antecedents are earlier non-pronoun sources and named entities (nearest first) whose kind
    (person vs organisation, singular vs plural) fits the pronoun.
    """

    def __init__(self, doc):
        self.doc = doc
        # (token index of the mention's end, text, kind, plural)
        self.mentions: list[tuple[int, str, str, bool]] = []
        for ent in doc.ents:
            if ent.label_ in PERSON_ENTS or ent.label_ in THING_ENTS:
                kind = "person" if ent.label_ == "PERSON" else "thing"
                if ent.label_ == "NORP":
                    continue
                start = ent.start
                # titles the NER leaves out: "Mayor" in "Mayor Ada Quill"
                while start > 0 and doc[start - 1].dep_ == "compound" and \
                        doc[start - 1].head.i >= ent.start and doc[start - 1].is_title:
                    start -= 1
                self.mentions.append((ent.end, doc[start:ent.end].text, kind, False))

    def add_source(self, ids: list[int], head: int, text: str) -> None:
        if head < 0 or is_pronoun(self.doc, ids):
            return
        tok = self.doc[head]
        self.mentions.append((ids[-1] + 1, text, _head_kind(self.doc, head),
                              tok.tag_ in ("NNS", "NNPS")))

    def resolve(self, pronoun_tok) -> str:
        pronoun = pronoun_tok.lower_
        best = None
        for end, text, kind, plural in self.mentions:
            if end <= pronoun_tok.i and _fits(pronoun, kind, plural) and (
                    best is None or end >= best[0]):
                best = (end, text)
        return best[1] if best else ""
