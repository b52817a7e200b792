"""A tiny pipeline component the extractor adds in front of the parser."""

from __future__ import annotations

from spacy.language import Language

LINE_BREAKS = "claimdesk_line_breaks"
_CLOSING = frozenset({"”", '"', "''", "’"})
_FINAL = frozenset({".", "?", "!"})


@Language.component(LINE_BREAKS)
def line_breaks(doc):
    """Start a sentence after every line break, and after a closing quotation mark that
    follows a full stop when a capitalised word comes next.

    News text puts headlines, datelines, time stamps and bylines on lines of their own
    without final punctuation; left alone, the parser glues them to the next sentence and
    they end up in sources ("12:15 p.m. Donald Trump says ...").
    """
    for tok in doc[:-1]:
        if "\n" in tok.whitespace_ or (tok.is_space and "\n" in tok.text):
            doc[tok.i + 1].is_sent_start = True
        elif tok.text in _CLOSING and tok.i > 0 and doc[tok.i - 1].text in _FINAL:
            # '... in the area.” Mali's army said': the small parser often misses this end
            nxt = tok.i + 1
            if doc[nxt].is_space and nxt + 1 < len(doc):
                nxt += 1
            if (tok.whitespace_ or doc[tok.i + 1].is_space) and doc[nxt].is_title:
                doc[nxt].is_sent_start = True
    return doc


def add_line_breaks(nlp) -> None:
    if LINE_BREAKS not in nlp.pipe_names:
        if "parser" in nlp.pipe_names:
            nlp.add_pipe(LINE_BREAKS, before="parser")
        else:
            nlp.add_pipe(LINE_BREAKS)
