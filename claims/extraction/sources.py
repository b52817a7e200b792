"""What a source refers to: pronoun antecedents, unnamed ("anonymous") sources, and the
speaker entity's short name and kind."""

from __future__ import annotations

import bisect
from typing import NamedTuple

from . import lexicon as lx

PERSON_ENTS = frozenset({"PERSON", "NORP"})
THING_ENTS = frozenset({"ORG", "GPE", "FAC", "PRODUCT", "WORK_OF_ART", "LAW"})

# The kinds a speaker entity can have: the values of claims.models.Source.Kind (kept in step
# by a test; extraction does not import Django).
PERSON, ORGANISATION, GOVERNMENT, MILITARY = "person", "organisation", "government", "military"
ARMED_GROUP, MEDIA, DOCUMENT, ANONYMOUS, OTHER = (
    "armed_group", "media", "document", "anonymous", "other")
SOURCE_KINDS = (PERSON, ORGANISATION, GOVERNMENT, MILITARY, ARMED_GROUP, MEDIA, DOCUMENT,
                ANONYMOUS, OTHER)
_NAMED_ENTS = PERSON_ENTS | THING_ENTS
MAX_LOOKBACK = 200  # mentions a pronoun looks back over for its antecedent
# What ends the entity's name after its head: "Mayor Ada Quill, who leads the council",
# "the Front, an alliance of armed groups", "the minister, speaking in Velan".
_TRAILERS = frozenset({"appos", "relcl", "acl", "advcl"})
_OPEN, _CLOSE = frozenset({"(", "["}), frozenset({")", "]"})
_NAME_EDGE = frozenset({",", ";", ":", "—", "–", "-", "--", "...", "…", ".", '"', "“", "”",
                        "'", "‘", "’", "``", "''"})


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


class Mention(NamedTuple):
    end: int  # token index after the mention
    text: str  # as written
    referent: str  # "person", "thing" or "" (what a pronoun must fit)
    plural: bool
    name: str  # the entity's short name (see source_name)
    kind: str  # the entity's kind (see source_kind); "" until asked for (named entities)
    anonymous: bool = False
    head: int = -1


class Resolver:
    """Remembers named sources and mentions in document order to resolve pronoun sources.

    Antecedents are earlier non-pronoun sources and named entities (nearest first) whose kind
    (person vs organisation, singular vs plural) fits the pronoun.
    """

    def __init__(self, doc):
        self.doc = doc
        self.mentions: list[Mention] = []
        for ent in doc.ents:
            if ent.label_ in PERSON_ENTS or ent.label_ in THING_ENTS:
                referent = "person" if ent.label_ == "PERSON" else "thing"
                if ent.label_ == "NORP":
                    continue
                start = ent.start
                # titles the NER leaves out: "Mayor" in "Mayor Ada Quill"
                while start > 0 and doc[start - 1].dep_ == "compound" and \
                        doc[start - 1].head.i >= ent.start and doc[start - 1].is_title:
                    start -= 1
                text = doc[start:ent.end].text
                # the kind is worked out only for the few entities a pronoun resolves to
                self.mentions.append(Mention(ent.end, text, referent, False, text, "",
                                             head=ent.root.i))
        self.ends = [m.end for m in self.mentions]  # doc.ents come in order

    def add_source(self, ids: list[int], head: int, text: str, name: str, kind: str,
                   anonymous: bool) -> None:
        if head < 0 or is_pronoun(self.doc, ids):
            return
        tok = self.doc[head]
        mention = Mention(ids[-1] + 1, text, _head_kind(self.doc, head),
                          tok.tag_ in ("NNS", "NNPS"), name, kind, anonymous)
        # kept in order of their ends; among equal ends the later added wins, as before
        at = bisect.bisect_right(self.ends, mention.end)
        self.mentions.insert(at, mention)
        self.ends.insert(at, mention.end)

    def resolve(self, pronoun_tok) -> Mention | None:
        pronoun = pronoun_tok.lower_
        best = None
        # the nearest earlier mention that fits, looking back over at most MAX_LOOKBACK of
        # them (so a text of a thousand pronouns costs no more than a thousand lookups)
        at = bisect.bisect_right(self.ends, pronoun_tok.i)
        for k in range(at - 1, max(-1, at - 1 - MAX_LOOKBACK), -1):
            mention = self.mentions[k]
            if _fits(pronoun, mention.referent, mention.plural):
                best = mention
                break
        if best is not None and not best.kind:
            head = self.doc[best.head]
            best = best._replace(kind=source_kind(self.doc, list(head.subtree), head.i))
        return best


# ------------------------------------------------------------ entity names ---
def _root(doc, ids: list[int]) -> int:
    """The token of `ids` whose head lies outside them (the phrase's head), -1 if none."""
    inside = set(ids)
    for i in ids:
        tok = doc[i]
        if (tok.head.i not in inside or tok.head.i == i) and not (tok.is_punct or tok.is_space):
            return i
    return -1


def _parenthesised(doc, tok) -> bool:
    left, right = tok.left_edge.i - 1, tok.right_edge.i + 1
    return left >= 0 and right < len(doc) and doc[left].text in _OPEN and \
        doc[right].text in _CLOSE


def _is_named(tok) -> bool:
    return tok.pos_ == "PROPN" or tok.ent_type_ in _NAMED_ENTS


def _name_head(doc, ids: list[int], head: int) -> int:
    """The head of the entity's name: the source's head, or its named apposition when the head
    is a role ("the mine's owner, Kessel Holdings", "an analyst, Mira Ostrova")."""
    if head < 0 or head not in ids:
        head = _root(doc, ids)
    if head < 0:
        return head
    tok = doc[head]
    if not _is_named(tok):
        inside = set(ids)
        for c in tok.rights:
            if c.dep_ == "appos" and c.i in inside and _is_named(c) and \
                    not _parenthesised(doc, c):
                return c.i
    return head


def _short_ids(doc, ids: list[int], head: int) -> list[int]:
    tok = doc[head]
    if tok.dep_ == "appos" and tok.head.i in ids and tok.head.i < head:
        ids = [i for i in ids if tok.left_edge.i <= i <= tok.right_edge.i]
    end = max(ids) + 1
    for c in tok.rights:
        # "Military, political and rebel sources": a list the parser read as an apposition
        listed = any(doc[j].dep_ == "cc" for j in range(c.left_edge.i, c.i))
        if c.dep_ in _TRAILERS and not _parenthesised(doc, c) and not listed:
            end = min(end, c.left_edge.i)
    keep = [i for i in ids if i < end and not doc[i].is_space]
    while keep and doc[keep[0]].text in _NAME_EDGE:
        keep.pop(0)
    while keep and doc[keep[-1]].text in _NAME_EDGE:
        keep.pop()
    # never end inside a parenthesis: "the Front (NLF" takes its ")" or drops the "("
    opened = [k for k, i in enumerate(keep) if doc[i].text in _OPEN]
    closed = sum(doc[i].text in _CLOSE for i in keep)
    if len(opened) > closed:
        after = keep[-1] + 1 if keep else len(doc)
        if len(opened) == closed + 1 and after < len(doc) and doc[after].text in _CLOSE:
            keep.append(after)
        else:
            keep = keep[:opened[closed]]
            while keep and doc[keep[-1]].text in _NAME_EDGE:
                keep.pop()
    return keep


def source_name(doc, ids: list[int], head: int) -> str:
    """The speaker entity's short name: the source's head phrase without trailing appositions,
    relative clauses and participial modifiers ("Mayor Ada Quill, who leads the council" ->
    "Mayor Ada Quill"); a parenthesised acronym stays whole."""
    ids = sorted(i for i in ids if 0 <= i < len(doc))
    if not ids:
        return ""
    head = _name_head(doc, ids, head)
    if head < 0:
        return ""
    keep = _short_ids(doc, ids, head) or [head]
    text = "".join(doc[i].text_with_ws for i in keep)
    return " ".join(text.split())


# ------------------------------------------------------------ entity kinds ---
def _word_kind(tok) -> str:
    for word in (tok.lower_, tok.lemma_.lower()):
        for kind, words in lx.KIND_WORDS.items():
            if word in words:
                return kind
    return ""


def _modifiers(tok) -> list:
    return [c for c in tok.children if c.dep_ in ("compound", "amod", "nmod") and c.i < tok.i]


def _head_kind_of(doc, tok, depth: int = 0) -> str:
    """The kind of the entity headed by `tok`, "" when the parse and the lexicon do not say."""
    kind = _word_kind(tok)
    mods = _modifiers(tok)
    mod_kinds = [k for k in (_word_kind(m) for m in mods) if k in lx.MODIFIER_KINDS]
    lemma = tok.lemma_.lower()
    if lemma == "group" and any(m.lower_ == "armed" for m in mods):
        return ARMED_GROUP
    if ARMED_GROUP in mod_kinds and kind in ("", MILITARY, ORGANISATION):
        return ARMED_GROUP  # "rebel forces", "the rebel alliance"
    if tok.lower_ in lx.MEDIA_HEADS and any(m.lower_ in lx.MEDIA_MODIFIERS for m in mods):
        return MEDIA
    if depth < 2 and (tok.lower_ in lx.PROXY_HEADS or lemma in lx.PROXY_HEADS):
        for prep in tok.rights:
            if prep.dep_ == "prep" and prep.lower_ in ("of", "for"):
                obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
                sub = _head_kind_of(doc, obj, depth + 1) if obj is not None else ""
                if sub not in ("", PERSON, DOCUMENT):
                    return sub
    if kind:
        return kind
    ent = tok.ent_type_
    if ent == "PERSON":
        return PERSON
    if ent in THING_ENTS or ent == "NORP":
        ent_kinds = [_word_kind(t) for t in _entity_tokens(doc, tok)] + mod_kinds
        specific = next((k for k in ent_kinds if k in lx.MODIFIER_KINDS), "")
        if specific:
            return specific
        return ORGANISATION if ent == "ORG" else ""
    if tok.pos_ == "PROPN" and any(m.lemma_.lower() in lx.PERSON_NOUNS for m in mods):
        return PERSON  # "Mayor Ada Quill" when the NER misses the name
    if mod_kinds:
        return mod_kinds[0]  # "army spokesman", "police officers"
    if tok.pos_ == "PROPN" and not ent:
        return ""
    if lemma in lx.PERSON_NOUNS and tok.tag_ == "NN":
        return PERSON  # "the director", "a lawyer"
    return ""


def _entity_tokens(doc, tok) -> list:
    """The tokens of the named entity `tok` belongs to."""
    start, end = tok.i, tok.i + 1
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return list(doc[start:end])


def _says_person(doc, tok, inside: set[int]) -> bool:
    """A name neither the lexicon nor a person tag explains (the NER often reads an unusual
    person's name as an organisation), with a person said beside it in the source: a person's
    role in apposition ("Ostrova, the analyst", "an analyst, Ostrova") or a relative clause
    of "who" or "whom" ("Ilse Vance, who chairs the board"). Not "whose": "Kessel Holdings,
    whose shares fell" is an organisation, and so is a name with an article ("The Northern
    Front, who control the pass")."""
    if any(_word_kind(t) for t in _entity_tokens(doc, tok)) or \
            any(_word_kind(m) for m in _modifiers(tok)) or \
            any(c.dep_ == "det" for c in tok.children):
        return False
    roles = [c for c in tok.rights if c.dep_ == "appos" and c.i in inside]
    if tok.dep_ == "appos" and tok.head.i in inside:
        roles.append(tok.head)
    if any(_head_kind_of(doc, role) == PERSON for role in roles if not role.ent_type_):
        return True
    return any(c.dep_ == "relcl" and c.i in inside and doc[c.left_edge.i].lower_ in ("who", "whom")
               for c in tok.rights)


def source_kind(doc, ids: list[int], head: int) -> str:
    """The speaker's kind (one of SOURCE_KINDS other than anonymous, which the caller decides)
    from the entity label of the source's head and a small lexicon of head nouns and their
    compounds; an apposition that says more ("the Front, an alliance of armed groups") wins
    over a keyword or organisation reading of the head, never over a person's name."""
    ids = sorted(i for i in ids if 0 <= i < len(doc))
    if not ids:
        return OTHER
    name_head = _name_head(doc, ids, head)
    if name_head < 0:
        return OTHER
    tok = doc[name_head]
    kind = _head_kind_of(doc, tok)
    inside = set(ids)
    if kind in ("", ORGANISATION) and tok.pos_ == "PROPN" and _says_person(doc, tok, inside):
        return PERSON
    if kind != PERSON:
        for c in tok.rights:
            if c.dep_ == "appos" and c.i in inside:
                described = _head_kind_of(doc, c)
                if described and described != PERSON and (
                        described in lx.MODIFIER_KINDS or not kind):
                    kind = described
                    break
    return kind or OTHER


def pronoun_kind(pronoun: str) -> str:
    """The kind of an unresolved pronoun source: he, she and I speak as people."""
    return PERSON if pronoun in lx.PERSON_PRONOUNS or pronoun == "i" else OTHER
