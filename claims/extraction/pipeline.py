"""A tiny pipeline component the extractor adds in front of the parser."""

from __future__ import annotations

from spacy.language import Language

LINE_BREAKS = "claimdesk_line_breaks"


@Language.component(LINE_BREAKS)
def line_breaks(doc):
    """Start a sentence after every line break.

    News text puts headlines, datelines, time stamps and bylines on lines of their own
    without final punctuation; left alone, the parser glues them to the next sentence and
    they end up in sources ("12:15 p.m. Donald Trump says ...").
    """
    for tok in doc[:-1]:
        if "\n" in tok.whitespace_ or (tok.is_space and "\n" in tok.text):
            doc[tok.i + 1].is_sent_start = True
    return doc


def add_line_breaks(nlp) -> None:
    if LINE_BREAKS not in nlp.pipe_names:
        if "parser" in nlp.pipe_names:
            nlp.add_pipe(LINE_BREAKS, before="parser")
        else:
            nlp.add_pipe(LINE_BREAKS)
