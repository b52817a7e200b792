"""A tiny pipeline component the extractor adds in front of the parser."""

from __future__ import annotations

from spacy.language import Language

LINE_BREAKS = "claimdesk_line_breaks"
_CLOSING = frozenset({"”", '"', "''", "’"})
_FINAL = frozenset({".", "?", "!"})
# No sentence runs longer than this many tokens: past SOFT_SENTENCE tokens one ends after the
# next full stop, at HARD_SENTENCE wherever it is. The rules walk a cue's sentence, so this
# bounds their cost per cue whatever the text (a megabyte on one line, punctuation alone);
# news sentences stay far below it (the longest line of the benchmark's dev split is 236
# tokens, its longest sentence 96).
SOFT_SENTENCE = 200
HARD_SENTENCE = 300


@Language.component(LINE_BREAKS)
def line_breaks(doc):
    """Start a sentence after every line break, after a closing quotation mark that follows
    a full stop when a capitalised word comes next, and where a sentence would otherwise run
    past SOFT_SENTENCE (or HARD_SENTENCE) tokens.

    News text puts headlines, datelines, time stamps and bylines on lines of their own
    without final punctuation; left alone, the parser glues them to the next sentence and
    they end up in sources ("12:15 p.m. Donald Trump says ...").
    """
    run = 0  # tokens since the last sentence start this component set
    for tok in doc[:-1]:
        run += 1
        if "\n" in tok.whitespace_ or (tok.is_space and "\n" in tok.text) or \
                run >= HARD_SENTENCE or (run >= SOFT_SENTENCE and tok.text in _FINAL):
            doc[tok.i + 1].is_sent_start = True
            run = 0
        elif tok.text in _CLOSING and tok.i > 0 and doc[tok.i - 1].text in _FINAL:
            # '... in the area.” Mali's army said': the small parser often misses this end
            nxt = tok.i + 1
            if doc[nxt].is_space and nxt + 1 < len(doc):
                nxt += 1
            if (tok.whitespace_ or doc[tok.i + 1].is_space) and doc[nxt].is_title:
                doc[nxt].is_sent_start = True
                run = tok.i + 1 - nxt  # 1 again at nxt
    return doc


def add_line_breaks(nlp) -> None:
    if LINE_BREAKS not in nlp.pipe_names:
        if "parser" in nlp.pipe_names:
            nlp.add_pipe(LINE_BREAKS, before="parser")
        else:
            nlp.add_pipe(LINE_BREAKS)
