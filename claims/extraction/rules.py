"""Dependency-pattern rules: one parsed Doc in, attribution candidates (token indices) out.

Every rule starts from a cue token found in a single pass over the Doc and then only walks
the parse locally around it (children, head chain, the sentence), so the cost on top of the
parse is linear in the number of tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import lexicon as lx
from .quotes import Quote, quote_index, quote_mask

DIRECT, INDIRECT, ACCORDING_TO, OTHER = "direct", "indirect", "according_to", "other"
SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
PASSIVE_SUBJECT_DEPS = frozenset({"nsubjpass", "csubjpass"})
CLAUSE_DEPS = frozenset({"ccomp"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
EDGE_PUNCT = frozenset({",", ";", ":", "—", "–", "-", "(", ")", "...", "…"})


@dataclass
class Candidate:
    cue: list[int]
    source: list[int]
    content: set[int]
    kind: str
    confidence: float
    source_head: int = -1  # token index of the source's head word, -1 if none
    pattern: str = ""  # which rule found it (for confidence, debugging and the bench)
    antecedent: list[int] = field(default_factory=list)  # what a relative pronoun refers to
    extra: list[set[int]] = field(default_factory=list)  # later-sentence content parts


def _span(tok) -> range:
    return range(tok.left_edge.i, tok.right_edge.i + 1)


def _child(tok, deps) -> object | None:
    for c in tok.children:
        if c.dep_ in deps:
            return c
    return None


def cue_lemma(tok) -> str:
    """The token's lower-cased lemma, corrected where the model's lemmatizer is wrong."""
    return lx.LEMMA_FIXES.get(tok.lower_) or tok.lemma_.lower()


def _subject(tok, deps=SUBJECT_DEPS) -> object | None:
    """The verb's subject. When the parser gives it several, the one nearest before the verb:
    the others are a dateline or a time the parser misread ('LOWMARSH, Nov 3 — Mayor Ada Quill
    affirmed')."""
    subjects = [c for c in tok.children if c.dep_ in deps]
    before = [c for c in subjects if c.i < tok.i]
    return before[-1] if before else (subjects[0] if subjects else None)


# ------------------------------------------------------------------ sources ---
def _source_of_subject(subj) -> tuple[list[int], int]:
    """The source tokens for a subject token (a relative pronoun stays itself, as in the
    annotation convention; relative_antecedent() says what it refers to).

    Appositions, relative clauses and restrictive participles ("judges handling the case")
    stay in; participial and adverbial clauses set off from the subject ("Trump, speaking to
    veterans,") and a dateline before a dash ("WASHINGTON
    (AP) — President X") are left out.
    """
    doc = subj.doc
    drop = set()
    for c in subj.children:
        # 'Trump, speaking to veterans,' is an aside; 'judges handling the cases' and 'an
        # email sent by the aide' name who speaks
        if c.dep_ in ("acl", "advcl") and c.i > subj.i and c.tag_ in ("VBG", "VBN") and (
                c.dep_ == "advcl" or doc[c.left_edge.i - 1].text in (",", "—", "–", "(")):
            drop.update(_span(c))
    ids = [i for i in _span(subj) if i not in drop]
    for k, i in enumerate(ids):
        if i < subj.i and doc[i].text in ("—", "--", "–"):
            ids = ids[k + 1:]
            break
    return _trim_end(doc, ids) or [subj.i], subj.i


def _trim_end(doc, ids: list[int]) -> list[int]:
    """The ids without trailing punctuation, but never ending inside a parenthesis."""
    end = len(ids)
    while end and doc[ids[end - 1]].is_punct:
        end -= 1
    words = [doc[i].text for i in ids[:end]]
    if end < len(ids) and doc[ids[end]].text == ")" and words.count("(") > words.count(")"):
        end += 1
    return ids[:end]


def _agentive(tok) -> bool:
    """Can this subject be a speaker? (names, pronouns, people and organisations)"""
    if tok.pos_ in ("PROPN", "PRON") or tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP"):
        return True
    word = cue_lemma(tok)
    return (word in lx.PERSON_NOUNS or word in lx.ORG_NOUNS or tok.lower_ in lx.ANONYMOUS_HEADS
            or word in lx.ANONYMOUS_HEADS)


def _governing_subject(tok) -> object | None:
    """The subject of the nearest governing clause with an agentive subject: the controller
    of "..., saying that", "before noting that", "while promising to"."""
    head = tok.head
    for _ in range(4):
        if head is tok:
            return None
        if head.pos_ in ("VERB", "AUX", "ADJ"):
            subj = _subject(head)
            if subj is not None:
                return subj if _agentive(subj) else None
        elif head.dep_ not in ("prep", "pcomp", "advcl", "xcomp", "conj"):
            return None
        tok, head = head, head.head
    return None


def relative_antecedent(doc, source: list[int]) -> list[int]:
    """For a source that is a relative pronoun ("who said"), the noun phrase it refers to."""
    if len(source) != 1:
        return []
    tok = doc[source[0]]
    if tok.lower_ not in RELATIVE_PRONOUNS or tok.head.dep_ != "relcl":
        return []
    rel, noun = tok.head, tok.head.head
    if noun.dep_ == "appos":  # "Ilse Varga, a port engineer who said ..."
        noun = noun.head
    ids = [i for i in _span(noun) if not rel.left_edge.i <= i <= rel.right_edge.i]
    return _trim_end(doc, ids)


def _nearest_subject_before(tok) -> object | None:
    """The closest subject to the left of tok in its sentence (controller of -ing forms)."""
    sent_start = tok.sent.start
    for i in range(tok.i - 1, sent_start - 1, -1):
        t = tok.doc[i]
        if t.dep_ in SUBJECT_DEPS and t.pos_ in ("NOUN", "PROPN", "PRON"):
            return t
    return None


def _inverted_subject(tok) -> object | None:
    """'"C," asked the mayor': after a quotation the parser often reads the speaker as an
    object of the verb."""
    if tok.i == 0 or cue_lemma(tok) not in lx.QUOTE_VERBS:
        return None
    prev = tok.doc[tok.i - 1]
    if not (prev.is_quote or (prev.text == "," and tok.i > 1 and tok.doc[tok.i - 2].is_quote)):
        return None
    for c in tok.rights:
        if c.dep_ in ("dobj", "attr", "npadvmod", "oprd", "dative") and c.pos_ in (
                "NOUN", "PROPN"):
            return c
    return None


def verb_source(tok, depth: int = 0) -> tuple[list[int], int]:
    subj = _subject(tok)
    if subj is not None:
        return _source_of_subject(subj)
    agent = _child(tok, ("agent",))
    if agent is not None:
        pobj = _child(agent, ("pobj",))
        if pobj is not None:
            return list(_span(pobj)), pobj.i
    if _child(tok, PASSIVE_SUBJECT_DEPS) is not None or depth > 3:
        return [], -1
    inverted = _inverted_subject(tok)
    if inverted is not None:
        return list(_span(inverted)), inverted.i
    dep = tok.dep_
    if dep in ("conj", "xcomp") and tok.head.pos_ in ("VERB", "AUX"):
        return verb_source(tok.head, depth + 1)
    if dep == "relcl":
        noun = tok.head
        ids = [i for i in _span(noun) if not tok.left_edge.i <= i <= tok.right_edge.i]
        return ids, noun.i
    if dep == "acl" and tok.head.pos_ in ("NOUN", "PROPN"):
        noun = tok.head
        if not _agentive(noun) and noun.dep_ == "dobj":
            # 'she delivered a speech blaming X': the one who made the speech speaks
            subj = _subject(noun.head)
            if subj is not None and _agentive(subj):
                return _source_of_subject(subj)
        return [i for i in _span(noun) if i < tok.left_edge.i], noun.i
    if tok.tag_ == "VBG" or dep in ("advcl", "pcomp"):
        subj = _governing_subject(tok) or _nearest_subject_before(tok)
        if subj is not None:
            return _source_of_subject(subj)
    return [], -1


# ------------------------------------------------------------------ content ---
# Right dependents of a cue verb that end its content: a coordinated second predicate
# ("called for X and vowed to Y") or a loosely attached clause.
_CLAUSE_ENDERS = frozenset({"cc", "conj", "parataxis", "advcl", "punct", "mark"})


def _rest_of_clause(tok, first) -> set[int]:
    """Content of a nominal/infinitival cue: its complement and what follows it in the clause
    ("blasted X for Y", "called the charges unsubstantiated"), up to a coordinated
    predicate, a loosely attached clause or the report's setting ("on Monday", "in an
    interview"), without an aside on the object (", who ...")."""
    end = first.right_edge.i
    for c in tok.rights:
        if c.i <= first.i:
            continue
        if c.dep_ in _CLAUSE_ENDERS:
            if c.dep_ == "punct" and c.i < tok.right_edge.i:
                continue  # a comma inside the clause
            break
        if _setting(c):
            break
        end = max(end, c.right_edge.i)
    doc = tok.doc
    for i in range(first.i + 1, end + 1):
        # 'endorsed Ada Quill, who has since ...': an aside on the object is background
        if doc[i].dep_ == "relcl" and doc[i].left_edge.i > first.left_edge.i and \
                doc[doc[i].left_edge.i - 1].text == ",":
            end = doc[i].left_edge.i - 2
            break
    return set(range(first.left_edge.i, end + 1))


_SETTING_PREPS = frozenset({"in", "at", "on", "during"})
_SETTING_ENTS = frozenset({"DATE", "TIME", "GPE", "LOC", "FAC"})


def _setting(tok) -> bool:
    """When, where or in what the report was made, not what it says: 'on Monday', 'last
    year', 'in an interview', 'at a rally in Ohio'."""
    if tok.dep_ in ("npadvmod", "tmod"):
        return tok.ent_type_ in ("DATE", "TIME")
    if tok.dep_ != "prep" or tok.lower_ not in _SETTING_PREPS:
        return False
    obj = _child(tok, ("pobj",))
    return obj is not None and (obj.ent_type_ in _SETTING_ENTS or
                                cue_lemma(obj) in lx.VENUE_NOUNS)


def _verb_content(tok, lemma: str) -> tuple[set[int], list[int], str, str]:
    """(content token ids, extra cue token ids, kind, pattern) for a reporting verb."""
    # with a clause on each side ('In an interview on X, S said C', 'A point stands: S told
    # me C') the one after the cue is what it reports; the one before is the parser's
    # reading of a fronted phrase or of the sentence the colon introduces
    comps = [c for c in tok.children if c.dep_ in CLAUSE_DEPS]
    comp = next((c for c in comps if c.i > tok.i), comps[0] if comps else None)
    if comp is not None:
        return set(_span(comp)), [], INDIRECT, "clause"
    if lemma in lx.INFINITIVE_VERBS:
        xcomp = _child(tok, ("xcomp",))
        if xcomp is not None and xcomp.i > tok.i:
            return _rest_of_clause(tok, xcomp), [], OTHER, "infinitive"
    preps = lx.PREP_VERBS.get(lemma)
    if preps:
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in preps and c.i > tok.i:
                obj = _child(c, ("pobj", "pcomp"))
                if obj is not None:
                    return set(_span(obj)), [c.i], OTHER, "prep"
    if lemma in lx.CLAUSE_VERBS:
        hung = _hung_that_clause(tok, lemma)
        if hung is not None:
            return hung, [], INDIRECT, "clause"
    if lemma in lx.OBJECT_VERBS:
        obj = _child(tok, ("dobj",))
        if obj is not None and obj.i > tok.i and (obj.pos_ != "PRON" or _judged(tok, obj)):
            pattern = "anaphoric-object" if _anaphoric(obj) else "object"
            return _rest_of_clause(tok, obj), [], OTHER, pattern
    stray = _stray_that_clause(tok)
    if stray is not None:
        return stray, [], INDIRECT, "clause"
    passive = _passive_content(tok, lemma)
    if passive:  # gold writes the auxiliaries into a passive cue: 'has been criticized'
        aux = [c.i for c in tok.lefts if c.dep_ in ("aux", "auxpass", "neg")]
        aux += [c.i for c in tok.lefts if c.dep_ == "advmod" and aux and c.i > min(aux)]
        return passive, aux, OTHER, "passive"
    return set(), [], INDIRECT, ""


_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})


_GROUNDS = frozenset({"for", "of", "over", "as", "about"})


def _judged(tok, obj) -> bool:
    """'blasted him for ignoring X', 'accused them of lying': a pronoun object with the
    ground of the judgement after it carries content; a bare 'praised him' does not."""
    return any(c.dep_ == "prep" and c.lower_ in _GROUNDS and c.i > obj.i for c in tok.children)


def _anaphoric(obj) -> bool:
    """'rejected that account', 'denied these claims': an object that only points back at
    something said before. The corpus counts it as content, but a reviewer cannot check it
    without the earlier sentence, so such a claim comes with a low confidence."""
    return any(c.dep_ == "det" and c.lower_ in _DEMONSTRATIVES for c in obj.children) and \
        all(c.dep_ in ("det", "amod", "compound", "punct") for c in obj.children)


def _passive_content(tok, lemma: str) -> set[int]:
    """'X was criticized for Y', 'X is widely seen as Y', 'X is said to Y': the passive
    subject and the complement together are the content (the agent, if any, is the source)."""
    if lemma not in lx.OBJECT_VERBS and lemma not in lx.PASSIVE_VERBS:
        return set()
    subj = _child(tok, ("nsubjpass",))
    if subj is None or subj.i > tok.i or subj.lower_ == "it":
        return set()
    # an -ing complement is perception ('were seen leaving'), not a judgement
    comps = [c for c in tok.rights if c.dep_ == "oprd" or (c.dep_ == "xcomp" and c.tag_ != "VBG")
             or (c.dep_ == "prep" and c.lower_ in lx.PASSIVE_PREPS)]
    if not comps and _child(tok, ("agent",)) is None:
        return set()
    content = {i for i in _span(subj) if i < tok.i}
    for c in comps:
        content.update(_span(c))
    return content


def _stray_that_clause(tok) -> set[int] | None:
    """'after announcing on Monday that C': a that-clause right after the cue's phrase that
    the parser hung on another verb still belongs to the cue."""
    doc = tok.doc
    nxt = tok.right_edge.i + 1
    if nxt >= len(doc) or doc[nxt].lower_ != "that" or doc[nxt].dep_ != "mark":
        return None
    verb = doc[nxt].head
    if verb.dep_ not in ("ccomp", "advcl", "conj") or verb.left_edge.i != nxt:
        return None
    return set(_span(verb))


def _hung_that_clause(tok, lemma: str) -> set[int] | None:
    """'told a meeting of leaders that C', 'said on a regular basis that C': the parser often
    hangs the cue's that-clause on the noun before it, as if it were a relative clause. It is
    the cue's when the noun is whom the speaker told or the report's setting, and the clause
    has a subject of its own ('that' marks it rather than standing in it)."""
    for c in tok.rights:
        if c.dep_ in ("dobj", "dative"):
            if lemma not in lx.RECIPIENT_VERBS:
                continue
        elif not _setting(c):
            continue
        for t in c.subtree:
            clause = t.head
            if t.lower_ != "that" or t.dep_ != "mark" or clause.dep_ not in ("relcl", "acl"):
                continue
            if cue_lemma(clause.head) in _NOUN_CUES or _child(clause, SUBJECT_DEPS) is None:
                return None  # 'told reporters the claim that C' is the noun's own
            return set(_span(clause))
    return None


def _parataxis_content(tok) -> set[int]:
    """'C, S said, C2': the parser hangs the cue clause under the content clause."""
    head = tok.head
    if tok.dep_ not in ("parataxis", "ccomp", "advcl") or head is tok:
        return set()
    if any(c.dep_ in _NOT_ASIDE or (c.dep_ == "prep" and not _setting(c)) for c in tok.children):
        # 'when the group posted X', 'responding to questions, S ...': a clause of its own
        return set()
    own = set(_span(tok))
    return {i for i in _span(head) if i not in own}


def _fronted_content(tok) -> set[int]:
    """'C, S said.' where the parser made the cue the root and hung C on it: what comes
    before the comma in front of the speaker, when the speaker's clause ends the sentence."""
    doc, subj = tok.doc, _subject(tok)
    if subj is None or subj.i > tok.i:
        return set()
    comma = subj.left_edge.i - 1
    sent = tok.sent
    if comma <= sent.start or doc[comma].text not in (",", "—", "–"):
        return set()
    if any(c.i > tok.i and (c.dep_ in _NOT_ASIDE or (c.dep_ == "prep" and not _setting(c)))
           for c in tok.children):
        return set()
    fronted = {i for i in range(sent.start, comma) if not doc[i].is_space}
    # a fronted statement, not a fronted adjunct ('Asked about X, S said', 'Last month, S said')
    tops = [doc[i] for i in fronted if doc[i].head.i not in fronted]
    if not tops or any(t.dep_ not in _FRONTED or t.tag_ in ("VBG", "VBN") for t in tops):
        return set()
    return fronted


_FRONTED = frozenset({"nsubj", "nsubjpass", "csubj", "dep", "ccomp", "parataxis"})


# What a parenthetical speech clause ('C, S said, C2') never has: a subordinator, an object
# or a complement of its own.
_NOT_ASIDE = frozenset({"mark", "dobj", "dative", "xcomp", "ccomp", "advcl", "acomp", "attr"})


def _colon_content(tok) -> set[int]:
    """'S said: C' where the parser did not attach C."""
    doc = tok.doc
    nxt = tok.i + 1
    while nxt < len(doc) and (doc[nxt].is_space or doc[nxt].dep_ == "prt"):
        nxt += 1
    if nxt < len(doc) and doc[nxt].text == ":":
        content = {i for i in range(nxt + 1, tok.sent.end) if not doc[i].is_space}
        if not content:  # 'S said:' ending its paragraph: the next paragraph is the content
            start = nxt + 1
            while start < len(doc) and doc[start].is_space:
                start += 1
            content = set(range(start, _line_end(doc, start))) if start < len(doc) else set()
        return content
    return set()


def verb_candidate(tok, lemma: str) -> Candidate | None:
    if tok.dep_ in ("amod", "compound", "aux", "auxpass"):
        return None
    raised = tok.dep_ == "xcomp" and cue_lemma(tok.head) in lx.RAISING_VERBS
    if tok.dep_ == "xcomp" and tok.tag_ == "VB" and not raised:
        # "refused to release X", "wants to discuss Y": the attribution (if any) is the
        # governing verb's; an embedded infinitive is not a report of its own
        return None
    if lemma in lx.PARTICLE_VERBS:
        prt = _child(tok, ("prt",))
        if prt is None or prt.lower_ not in lx.PARTICLE_VERBS[lemma]:
            return None
        extra_cue = [prt.i]
    else:
        extra_cue = []
    content, cue_more, kind, pattern = _verb_content(tok, lemma)
    confidence = 0.8 if kind == INDIRECT else 0.3 if pattern == "anaphoric-object" else 0.6
    if not content:
        content, pattern = _colon_content(tok), "colon-after-verb"
    if not content and lemma in lx.SPEECH_VERBS:
        content, pattern = _parataxis_content(tok) or _fronted_content(tok), "parenthetical"
        confidence = 0.6
    if not content and lemma in lx.QUOTE_VERBS:
        # '"Why now?" she asked.': the parser often leaves the quotation unattached;
        # attach_quotes() gives it to the cue, or the candidate is dropped
        pattern = "quote-only"
    elif not content:
        return None
    if raised:  # 'appeared to suggest that C': one cue
        extra_cue += [tok.head.i] + [c.i for c in tok.children if c.dep_ == "aux"]
    cue = sorted({tok.i, *extra_cue, *cue_more})
    source, head = verb_source(tok)
    if lemma in lx.RAISING_VERBS:
        source, head = [], -1
    if not source and pattern in _SPEAKER_NEEDED:
        return None
    src = set(source)
    content = {i for i in content if i not in src and i not in cue}
    if not source:
        confidence -= 0.2
    return Candidate(cue, source, content, kind, confidence, head, pattern)


# An active verb reporting a clause, an object or a quotation has a speaker; when the parse
# shows none, it has gone wrong around the cue (the speaker read into the content, a headline
# glued to the next line) and the claim built from it is wrong too.
_SPEAKER_NEEDED = frozenset({"clause", "object", "parenthetical", "colon-after-verb"})


def raising_candidate(tok) -> Candidate | None:
    """'X seems too risky', 'the plan appears to be working': an impression with no named
    holder; the content is the subject and its predicate, the source is left empty."""
    if tok.dep_ in ("amod", "compound", "aux", "auxpass"):
        return None
    subj = _subject(tok)
    comp = next((c for c in tok.rights if c.dep_ in ("xcomp", "acomp", "oprd")), None)
    if subj is None or comp is None or subj.i > tok.i or subj.lower_ == "it":
        return None
    if comp.dep_ == "xcomp" and cue_lemma(comp) in _VERB_CUES:
        return None  # 'appeared to suggest that C': the embedded cue speaks for the subject
    pred = set(_span(comp))
    for c in comp.rights:
        if (comp.pos_ == "ADJ" and c.dep_ == "prep") or c.dep_ == "relcl":
            pred -= set(_span(c))
    end = next((i for i in sorted(pred) if i > comp.i and comp.doc[i].text == ","), None)
    if end is not None:
        pred = {i for i in pred if i < end}
    content = {i for i in _span(subj) if i < tok.i} | pred
    return Candidate([tok.i], [], content, OTHER, 0.5, -1, "raising")


_COPULAS = frozenset({"be", "remain", "become", "feel", "grow"})


def adjective_candidate(tok) -> Candidate | None:
    """'S is confident that C', 'S remained worried about C', and the small clause 'with S
    nervous about C'."""
    head = tok.head
    subj = _subject(tok, ("nsubj",))
    if tok.dep_ == "acomp" and cue_lemma(head) in _COPULAS:
        cue = [c.i for c in head.children if c.dep_ == "neg"] + [head.i, tok.i]
    elif subj is not None and subj.i < tok.i:
        cue = [tok.i]
    else:
        return None
    content: set[int] = set()
    for c in tok.rights:
        if c.dep_ in ("ccomp", "xcomp"):
            content = set(_span(c))
        elif c.dep_ == "prep" and c.lower_ in lx.CUE_ADJ_PREPS:
            obj = _child(c, ("pobj", "pcomp"))
            if obj is not None:
                content, cue = set(_span(obj)), cue + [c.i]
        if content:
            break
    if not content:
        return None
    copula = head.i in cue
    source, shead = verb_source(head) if copula else _source_of_subject(subj)
    content -= set(source)
    return Candidate(sorted(cue), source, content, OTHER, 0.5 if source else 0.3, shead,
                     "adjective")


def according_candidate(tok) -> Candidate | None:
    """'according to S, C' and 'C, according to S'."""
    doc = tok.doc
    if tok.i + 1 >= len(doc) or doc[tok.i + 1].lower_ != "to":
        return None
    to = doc[tok.i + 1]
    pobj = _child(to, ("pobj",))
    if pobj is None:
        return None
    phrase = set(range(tok.left_edge.i, max(tok.right_edge.i, pobj.right_edge.i) + 1))
    sent = tok.sent
    content = {i for i in range(sent.start, sent.end) if i not in phrase}
    return Candidate([tok.i, to.i], list(_span(pobj)), content, ACCORDING_TO, 0.85, pobj.i,
                     "according-to")


def _line_end(doc, i: int) -> int:
    n = len(doc)
    while i < n and not doc[i].is_space and "\n" not in doc[i].whitespace_:
        i += 1
    return min(i + 1, n)


_MAX_LABEL_TOKENS = 12


def _label_start(doc, colon: int) -> tuple[int, bool]:
    """(first token, starts the line) of the words before a colon: they run back to the
    line's (or sentence's) start or to an earlier colon; (-1, False) when that is too far back
    for a speaker label."""
    i = colon
    while colon - i < _MAX_LABEL_TOKENS:
        if i == 0 or doc[i].is_sent_start:
            return i, True
        prev = doc[i - 1]
        if "\n" in prev.whitespace_ or prev.is_space:
            return i, True
        if prev.text == ":":
            return i, False
        i -= 1
    return -1, False


def speaker_label(tok) -> tuple[list[int], bool]:
    """The token ids of a short named label before this colon ('Quill:', 'Role:'), [] if
    there is none, and whether it starts its line or sentence (a speaker label must)."""
    doc = tok.doc
    start, first = _label_start(doc, tok.i)
    if start < 0 or tok.i + 1 >= len(doc):
        return [], False
    words = [t for t in doc[start:tok.i] if not t.is_space]
    comma = next((k for k, t in enumerate(words) if t.text == ","), -1)
    label = [t for t in words if not t.is_punct]
    if comma > 0:  # a name and a role: 'Ada Quill, The Gazette:', 'Ada Quill, editor of Tides:'
        name = [t for t in words[:comma] if not t.is_punct]
        role = [t for t in words[comma + 1:] if not t.is_punct]
        if not (1 <= len(name) <= 4 and 1 <= len(role) <= 5) or \
                any(t.pos_ != "PROPN" for t in name):  # not 'Then, later that day:'
            return [], False
    elif 1 <= len(label) <= 5:
        name, role = label, []
    else:
        return [], False
    if not any(t.pos_ == "PROPN" or t.is_upper or t.is_title for t in name):
        return [], False
    if any(t.lower_ in lx.NON_SPEAKER_LABELS or t.like_num for t in name):
        return [], False
    if any(t.like_num for t in role) or \
            any(t.pos_ in ("VERB", "AUX") and not t.is_upper for t in label):
        return [], False
    return [t.i for t in label], first


def colon_candidates(doc, labelled: list[tuple[int, list[int], bool]]) -> list[Candidate]:
    """Headline and transcript style 'S: C' from (colon, label, starts the line) in document
    order; the content runs to the end of the line. A line with two labels is a record of
    fields ('Name: Ada Quill Role: mayor'), not a speaker and a quotation: it gives nothing."""
    out = []
    for k, (colon, label, first) in enumerate(labelled):
        if not first:
            continue
        if k + 1 < len(labelled) and not _line_break_between(doc, colon, labelled[k + 1][0]):
            continue
        content = {i for i in range(colon + 1, _line_end(doc, colon + 1)) if not doc[i].is_space}
        if content:
            out.append(Candidate([colon], label, content, OTHER, 0.5, label[-1],
                                 "speaker-label"))
    return out


def _line_break_between(doc, i: int, j: int) -> bool:
    lo, hi = min(i, j), max(i, j)
    return any("\n" in doc[k].whitespace_ or (doc[k].is_space and "\n" in doc[k].text)
               for k in range(lo, hi))


def noun_candidate(tok, lemma: str) -> Candidate | None:
    """'the claim that C', 'his warning that C', 'her decision to C', 'their worries about C'
    (the last two only with a possessive source)."""
    comp = None
    for c in tok.children:
        if c.dep_ in ("acl", "ccomp") and c.i > tok.i and any(
                g.dep_ == "mark" and g.lower_ == "that" for g in c.children):
            comp = c
            break
    cue, clause = [tok.i], comp is not None
    if comp is None and lemma in lx.INFINITIVE_NOUNS:
        comp = next((c for c in tok.rights if c.dep_ in ("acl", "relcl") and c.tag_ == "VB"
                     and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)), None)
    if comp is None and lemma in lx.PREP_NOUNS:
        for c in tok.rights:
            if c.dep_ == "prep" and c.lower_ in lx.PREP_NOUNS[lemma]:
                comp = _child(c, ("pobj", "pcomp"))
                if comp is not None:
                    cue.append(c.i)
                    break
    if comp is None or (lemma not in lx.CUE_NOUNS and clause):
        return None
    poss = _child(tok, ("poss",))
    if poss is None and not clause:
        return None  # 'the call for calm' is too often nobody's: keep 'her call for calm'
    source = list(_span(poss)) if poss is not None else []
    return Candidate(cue, source, set(_span(comp)), INDIRECT if len(cue) == 1 else OTHER, 0.5,
                     poss.i if poss is not None else -1, "noun")


def find_candidates(doc, quotes: list[Quote] = (), cues: Iterable[int] | None = None,
                    build: Callable[[object], Candidate | None] | None = None
                    ) -> list[Candidate]:
    """Attribution candidates for a parsed Doc.

    Cue detection and the source/content logic are separate: `cues` are the token indices of
    cues found by another detector (a learned cue model), each built by `build` (default
    candidate_at()); None means the lexicon's cues (lexicon_cue()). Speaker labels
    ('Quill: ...') come from the rules either way.
    """
    out, labelled = [], []
    for tok in (doc[i] for i in cues) if cues is not None else doc:
        if tok.text == ":":
            label, first = speaker_label(tok)
            if label:
                labelled.append((tok.i, label, first))
            continue
        builder = lexicon_cue(tok) if cues is None else ""
        if cues is None and not builder:
            continue
        cand = candidate_at(tok, builder) if build is None or cues is None else build(tok)
        if cand is not None and (cand.content or cand.pattern == "quote-only"):
            out.append(cand)
    if cues is not None:
        labelled += [(t.i, *speaker_label(t)) for t in doc if t.text == ":" and t.i not in cues]
        labelled = sorted(item for item in labelled if item[1])
    if quotes:
        # Cues inside quotation marks belong to the quoted speech ("I think ...", "as I
        # said"): the annotation convention keeps only the outer attribution.
        quoted = quote_mask(quotes, len(doc))
        out = [c for c in out if not quoted[c.cue[0]]]
        labelled = [item for item in labelled if not quoted[item[0]]]
    out += colon_candidates(doc, labelled)
    # A cue inside another attribution's source is background about the source ("an
    # official, who asked not to be named, said ..."), not a claim of its own.
    in_sources = {i for c in out for i in c.source}
    return [c for c in out if c.cue[0] not in in_sources]


_NOUN_CUES = lx.CUE_NOUNS | lx.INFINITIVE_NOUNS | frozenset(lx.PREP_NOUNS)
_VERB_CUES = lx.CLAUSE_VERBS | lx.INFINITIVE_VERBS | lx.OBJECT_VERBS | frozenset(lx.PREP_VERBS)


def lexicon_cue(tok) -> str:
    """The rules' cue detection: the builder a cue at this token calls for ('adjective',
    'verb', 'raising', 'according', 'noun'), or '' when the lexicon knows no cue here."""
    pos = tok.pos_
    if tok.lower_ in lx.CUE_ADJECTIVES and (pos == "ADJ" or tok.tag_ == "VBN"):
        return "adjective"
    if tok.lower_ == "according":
        return "according"
    if pos in ("VERB", "AUX"):
        lemma = cue_lemma(tok)
        if lemma in _VERB_CUES or (lemma in lx.PASSIVE_VERBS and tok.tag_ == "VBN"):
            return "verb"
        if lemma in lx.RAISING_VERBS:
            return "raising"
    elif pos == "NOUN" and cue_lemma(tok) in _NOUN_CUES:
        return "noun"
    return ""


def candidate_at(tok, builder: str = "") -> Candidate | None:
    """Source and content for a cue at `tok`, whoever found it: the plug-in point for a cue
    detector. `builder` is what lexicon_cue() names; for a cue the lexicon does not know it is
    picked from the part of speech (a verb takes its clause, object or colon content; a noun
    or adjective needs the lexicon's complement lists)."""
    if not builder:
        builder = ("adjective" if tok.pos_ == "ADJ" else "according"
                   if tok.lower_ == "according" else "verb" if tok.pos_ in ("VERB", "AUX")
                   else "noun" if tok.pos_ == "NOUN" else "")
    if builder == "adjective":
        return adjective_candidate(tok)
    if builder == "according":
        return according_candidate(tok)
    if builder == "verb":
        return verb_candidate(tok, cue_lemma(tok))
    if builder == "raising":
        return raising_candidate(tok)
    if builder == "noun":
        return noun_candidate(tok, cue_lemma(tok))
    return None


_CONTRAST_MARKS = frozenset({"while", "whereas"})


def _beside(doc, inner: Candidate, outer: Candidate) -> int:
    """The head of the clause that carries `inner`'s cue beside (not inside) `outer`'s
    content, or -1 when the cue sits inside that content: a contrasting clause with its own
    speaker ('S1 claimed that C1, while S2 warned that C2'), the outer speaker's own
    '..., saying C2', or 'with S2 saying C2'."""
    tok = doc[inner.cue[0]]
    for _ in range(40):
        head = tok.head
        if head is tok or tok.i == outer.cue[0]:
            return -1
        if tok.dep_ == "advcl":
            marks = {c.lower_ for c in tok.children if c.dep_ == "mark"}
            if marks & _CONTRAST_MARKS and _child(tok, SUBJECT_DEPS) is not None:
                return tok.i
            if tok.i == inner.cue[0] and tok.tag_ == "VBG" and inner.source and \
                    inner.source == outer.source:
                return tok.i
        if tok.dep_ == "prep" and tok.lower_ == "with" and inner.source and \
                tok.i < min(inner.source) and doc[inner.cue[0]].tag_ == "VBG":
            return tok.i
        if head.i == outer.cue[0]:
            return -1
        tok = head
    return -1


def drop_nested(doc, cands: list[Candidate]) -> list[Candidate]:
    """Only the outermost report counts: a cue inside another claim's content ('He said the
    ministry hopes that ...', 'a report reaching the conclusion that ...') is part of that
    claim, not a claim of its own (the annotation convention). A cue in a clause beside the
    content ('S1 claimed that C1, while S2 warned that C2') ends that content instead (see
    _beside), and so does a later sentence with a speaker of its own after a speaker label.
    A label whose content opens with a named speaker's report ('Frustration with police:
    Activists say ...') is a title, not a speaker. Two claims holding each other's cues both
    stay."""
    owner: dict[int, list[int]] = {}  # token -> candidates whose content holds it
    for k, c in enumerate(cands):
        for i in c.content:
            owner.setdefault(i, []).append(k)
    dropped = set()
    for k, inner in enumerate(cands):
        cue = inner.cue[0]
        for o in owner.get(cue, ()):
            outer = cands[o]
            if o == k or cue in outer.cue or cue not in outer.content or \
                    outer.cue[0] in inner.content:
                continue
            if outer.pattern == "speaker-label" and inner.source:
                first = min(inner.source)
                sent_start = doc[cue].sent.start
                if sent_start > outer.cue[0] and any(i < sent_start for i in outer.content):
                    outer.content = {i for i in outer.content if i < sent_start}
                    continue
                if first == min(outer.content) and doc[first].pos_ != "PRON":
                    dropped.add(o)
                    continue
            clause = _beside(doc, inner, outer)
            start = doc[clause].left_edge.i if clause >= 0 else -1
            if clause >= 0 and start in outer.content:
                rest = {i for i in outer.content if i < start}
                end = doc[clause].right_edge.i
                if rest and not any(i > end and i not in inner.content and not doc[i].is_punct
                                    for i in outer.content):
                    outer.content = rest
                    continue
            dropped.add(k)
            break
    return [c for k, c in enumerate(cands) if k not in dropped]


# ------------------------------------------------------------------ quotes ----
def attach_quotes(doc, cands: list[Candidate], quotes: list[Quote]) -> None:
    """Grow contents along quotations.

    - content that touches a quotation gets all of it (a quote spanning several sentences
      is one content span), unless the cue itself sits inside that quotation;
    - a quotation right after (or before) the cue clause belongs to the cue: '"C," S said';
    - whole-quotation sentences that follow, with no cue of their own, continue the
      content ('"C1," S said. "C2."', and after an indirect report 'S said C1. "C2."') as
      extra content spans.
    """
    if not quotes:
        return
    qidx = quote_index(quotes, len(doc))
    # quotations that are another cue's content ('"C2," she said') never continue a quote
    claimed = {qidx[i] for c in cands for i in c.content if qidx[i] >= 0 and qidx[c.cue[0]] < 0}
    for cand in cands:
        own = {qidx[i] for i in cand.cue}
        touched = {qidx[i] for i in cand.content if qidx[i] >= 0} - own
        clause = set(cand.content) | set(cand.cue) | set(cand.source)
        for k in _adjacent_quotes(doc, cand.cue[0], min(clause), max(clause), quotes, qidx,
                                  loose=cand.pattern == "quote-only"):
            if k not in own:
                touched.add(k)
        for k in touched:
            q = quotes[k]
            cand.content.update(range(q.start, q.end))
        if touched:
            cand.kind = DIRECT
            cand.confidence = min(1.0, cand.confidence + 0.1)
            last = max(max(quotes[k].end for k in touched), max(clause) + 1)
            cand.extra = _continuations(doc, last, quotes, qidx, claimed - touched)
        elif cand.pattern in _SPOKEN_PATTERNS:
            # 'S said C. "C2."': a quotation right after an indirect report goes on with it
            cand.extra = _continuations(doc, max(clause) + 1, quotes, qidx, claimed)


# Indirect reports a quoted sentence right after them continues (what another pattern gives,
# an object or an infinitive, is seldom followed by the speaker's own words).
_SPOKEN_PATTERNS = frozenset({"parenthetical", "clause"})


def _skip(doc, i: int, step: int) -> int:
    while 0 <= i < len(doc) and (doc[i].is_space or doc[i].text in EDGE_PUNCT):
        i += step
    return i


def _adjacent_quotes(doc, cue: int, lo: int, hi: int, quotes, qidx, loose: bool = False
                     ) -> list[int]:
    """Quotations next to the cue clause that belong to it.

    After the clause: in the same sentence ('S said: "C"', 'S said, "C"'). Before it: in the
    same sentence, or ending in a comma inside the marks ('"C," S said' split by the parser).
    """
    out = []
    sent = doc[cue].sent
    after = _skip(doc, hi + 1, 1)
    if after < sent.end and qidx[after] >= 0 and quotes[qidx[after]].start == after:
        out.append(qidx[after])
    before = _skip(doc, lo - 1, -1)
    if before >= 0 and qidx[before] >= 0 and quotes[qidx[before]].end == before + 1:
        q = quotes[qidx[before]]
        if loose or q.start >= sent.start or doc[q.end - 2].text in (",", "—", "–"):
            out.append(qidx[before])
    return out


MAX_CONTINUATIONS = 10  # quoted sentences one claim runs on into (gold never has more than 4)


def _continuations(doc, last: int, quotes, qidx, claimed) -> list[set[int]]:
    """Quotations that open the next sentence(s) right after the cue's sentence."""
    extra: list[set[int]] = []
    sent_end = doc[last - 1].sent.end
    i = _skip(doc, max(last, sent_end), 1)
    # the parser may leave the opening mark at the end of the sentence before ('... he said.
    # '' But ...'', where the mark looks like a closing one)
    if 0 < i < len(doc) and qidx[i] >= 0 and quotes[qidx[i]].start == i - 1 >= last:
        i -= 1
    while i < len(doc) and qidx[i] >= 0 and quotes[qidx[i]].start == i and \
            len(extra) < MAX_CONTINUATIONS:
        k = qidx[i]
        if k in claimed:
            break
        q = quotes[k]
        # the quotation must be the whole sentence: nothing but punctuation after it
        end_sent = doc[q.end - 1].sent.end
        tail = _skip(doc, q.end, 1)
        if tail < end_sent:
            break
        extra.append(set(range(q.start, q.end)))
        i = _skip(doc, end_sent, 1)
    return extra
