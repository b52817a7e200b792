"""The rules' finer conventions, on short invented sentences (none from ../shared): each test
names the spans exactly, and what must produce nothing."""

import pytest

from claims.extraction import Attribution, Extractor, get_extractor


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return get_extractor()


def spans(text: str, atts: list[Attribution]) -> list[tuple[list[str], list[str], list[str]]]:
    """(source, cue, content) texts per attribution, in the extractor's order."""
    def cut(field):
        return [text[s:e] for s, e in field]
    return [(cut(a.source), cut(a.cue), cut(a.content)) for a in atts]


# ------------------------------------------------------------ speaker labels ---
@pytest.mark.parametrize("text", [
    "x.\n\nName: A B Age: 27City: N YJob: W",
    "Name: Ada Quill Role: harbour master",
    "Port: Lunport Berth: 4 Captain: Tomas Brel",
])
def test_two_labels_on_one_line_are_a_record_of_fields_not_a_speaker(extractor, text):
    assert extractor.extract(text) == []


def test_a_colon_inside_the_quotation_does_not_make_a_record(extractor):
    text = "Quill: “The barrier held: not one house flooded.”"
    assert spans(text, extractor.extract(text)) == [
        (["Quill"], [":"], ["“The barrier held: not one house flooded.”"])]


# ------------------------------------------------------------------- lemmas ---
@pytest.mark.parametrize(("text", "cue", "content"), [
    ("The harbour master hoped that the ferry would sail on Friday.", "hoped",
     "that the ferry would sail on Friday"),
    ("The mayor hopes to reopen the pier in May.", "hopes", "to reopen the pier in May"),
    ("Fishermen are hoping the quota will be raised.", "hoping", "the quota will be raised"),
    ("The council is tweeting that the road is closed.", "tweeting", "that the road is closed"),
])
def test_forms_the_lemmatizer_gets_wrong_are_still_cues(extractor, text, cue, content):
    (a,) = extractor.extract(text)
    assert spans(text, [a])[0][1:] == ([cue], [content])
