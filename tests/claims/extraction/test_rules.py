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


@pytest.mark.parametrize(("text", "source"), [
    ('Ada Quill, The Lunport Gazette: "The harbour will reopen in May."',
     ["Ada Quill", "The Lunport Gazette"]),
    ('Tomas Brel, editor of Harbour Tides: "Nobody saw the storm coming."',
     ["Tomas Brel", "editor of Harbour Tides"]),
])
def test_a_speaker_label_may_name_the_speakers_paper_or_role_after_a_comma(
        extractor, text, source):
    content = text[text.index('"'):]
    assert spans(text, extractor.extract(text)) == [(source, [":"], [content])]


@pytest.mark.parametrize("text", [
    "Ferry times, summer 2024: 9 am and 5 pm",
    'Then, on the radio: "We never said that."',
])
def test_a_label_with_a_comma_needs_a_name_before_it(extractor, text):
    assert extractor.extract(text) == []


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


# ---------------------------------------------------------- nested reports ---
@pytest.mark.parametrize(("text", "expected"), [
    ("The spokesman said the ministry hopes that the ferry will sail on Friday.",
     [(["The spokesman"], ["said"], ["the ministry hopes that the ferry will sail on Friday"])]),
    ("The inspectors published a report reaching the conclusion that the pier was unsafe.",
     [(["The inspectors"], ["published"],
       ["a report reaching the conclusion that the pier was unsafe"])]),
])
def test_a_cue_inside_another_claims_content_is_not_a_claim_of_its_own(
        extractor, text, expected):
    assert spans(text, extractor.extract(text)) == expected


def test_a_contrasting_clause_with_its_own_speaker_ends_the_first_content(extractor):
    text = ("The ferry company claimed that fares had fallen by a fifth, while an independent "
            "economist, Ilse Varga, warned that the new tax would double them.")
    assert spans(text, extractor.extract(text)) == [
        (["The ferry company"], ["claimed"], ["that fares had fallen by a fifth"]),
        (["an independent economist, Ilse Varga"], ["warned"],
         ["that the new tax would double them"]),
    ]


def test_the_speakers_own_saying_clause_is_a_claim_beside_the_first(extractor):
    text = ("The harbour master urged the council not to close the pier, saying it was the "
            "town's only shelter.")
    assert spans(text, extractor.extract(text)) == [
        (["The harbour master"], ["urged"], ["not to close the pier"]),
        (["The harbour master"], ["saying"], ["it was the town's only shelter"]),
    ]


def test_with_s_saying_is_a_claim_beside_the_first(extractor):
    text = ("The union refused to comment on the talks, with its spokesman Tomas Brel saying "
            "the meetings were private.")
    assert spans(text, extractor.extract(text)) == [
        (["The union"], ["refused"], ["to comment on the talks"]),
        (["its spokesman Tomas Brel"], ["saying"], ["the meetings were private"]),
    ]


def test_a_title_before_a_colon_is_not_the_speaker_of_the_report_after_it(extractor):
    text = "Anger on the quay: Fishermen say the new quota will ruin them."
    assert spans(text, extractor.extract(text)) == [
        (["Fishermen"], ["say"], ["the new quota will ruin them"])]


def test_a_speaker_labels_content_stops_at_a_later_sentence_with_its_own_speaker(extractor):
    text = "Quill: The barrier held. In a statement on Monday, Mayor Ada Quill said the old " \
           "town stayed dry."
    assert spans(text, extractor.extract(text)) == [
        (["Quill"], [":"], ["The barrier held"]),
        (["Mayor Ada Quill"], ["said"], ["the old town stayed dry"]),
    ]


# ---------------------------------------------------------------- sources ---
@pytest.mark.parametrize("text", [
    "HARBOURTON, May 4 — Harbour master Ilse Varga confirmed on Monday that the pier had "
    "reopened.",
    "HARBOURTON, May 4 (HW) — Harbour master Ilse Varga confirmed on Monday that the pier had "
    "reopened.",
])
def test_a_dateline_is_never_the_source(extractor, text):
    (a,) = extractor.extract(text)
    assert spans(text, [a]) == [
        (["Harbour master Ilse Varga"], ["confirmed"], ["that the pier had reopened"])]


@pytest.mark.parametrize(("text", "source"), [
    ("The Coastal Dockers Union (CDU) announced that its members would strike.",
     "The Coastal Dockers Union (CDU)"),
    ("Senator Ada Quill (Lowmarsh) said the bridge was safe.", "Senator Ada Quill (Lowmarsh)"),
])
def test_a_source_span_never_ends_inside_a_parenthesis(extractor, text, source):
    (a,) = extractor.extract(text)
    assert spans(text, [a])[0][0] == [source]
    assert a.source_text == source


@pytest.mark.parametrize(("text", "source"), [
    ("Residents living near the harbour said that the barrier held.",
     "Residents living near the harbour"),
    ("An email sent by the harbour master shows that the gates were open.",
     "An email sent by the harbour master"),
    ("The mayor, speaking to reporters, said that the barrier held.", "The mayor"),
])
def test_a_participle_naming_the_speaker_stays_in_the_source_but_an_aside_does_not(
        extractor, text, source):
    [(got, _, _)] = spans(text, extractor.extract(text))
    assert got == [source]


@pytest.mark.parametrize("text", [
    "Tell them that the gates are open.",
    "Harbour Reopens Today\nSays that the ferry will run again.",
])
def test_an_active_report_with_no_speaker_in_the_parse_gives_nothing(extractor, text):
    assert extractor.extract(text) == []


def test_a_passive_judgement_needs_no_speaker(extractor):
    text = "The harbour is widely seen as unsafe."
    assert spans(text, extractor.extract(text)) == [
        ([], ["is widely seen"], ["The harbour", "as unsafe"])]


# ---------------------------------------------------------------- contents ---
def test_an_object_that_only_points_back_is_kept_with_a_low_confidence(extractor):
    text = ("The ministry said the harbour was safe. The fishermen's guild rejected that "
            "account.")
    said, rejected = extractor.extract(text)
    assert spans(text, [rejected]) == [(["The fishermen's guild"], ["rejected"],
                                        ["that account"])]
    assert rejected.confidence < 0.5 <= said.confidence


def test_a_speech_that_blames_speaks_for_the_one_who_made_it(extractor):
    text = "The mayor delivered a speech blaming the council for the delays."
    assert spans(text, extractor.extract(text)) == [
        (["The mayor"], ["blaming"], ["the council for the delays"])]


@pytest.mark.parametrize(("text", "expected"), [
    ("Critics blasted him for ignoring the flood warnings.",
     [(["Critics"], ["blasted"], ["him for ignoring the flood warnings"])]),
    ("The fishermen accused them of lying about the quota.",
     [(["The fishermen"], ["accused"], ["them of lying about the quota"])]),
    ("The council praised him.", []),
    ("The port released it to the press.", []),
])
def test_a_pronoun_object_counts_only_with_the_ground_of_the_judgement(
        extractor, text, expected):
    assert spans(text, extractor.extract(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The mayor rejected the plan on Monday.",
     [(["The mayor"], ["rejected"], ["the plan"])]),
    ("The council announced its budget in a statement last week.",
     [(["The council"], ["announced"], ["its budget"])]),
    ("Ada Quill denied the report at a press briefing in Velan.",
     [(["Ada Quill"], ["denied"], ["the report"])]),
    # the ground of a judgement is content, a setting is not
    ("The board blamed the pilots for the delay at a hearing on Friday.",
     [(["The board"], ["blamed"], ["the pilots for the delay"])]),
])
def test_when_and_where_a_report_was_made_is_not_its_content(extractor, text, expected):
    assert spans(text, extractor.extract(text)) == expected


@pytest.mark.parametrize(("text", "content"), [
    ("The union endorsed Ada Quill, who has led the harbour board since 2019.", "Ada Quill"),
    ("The union endorsed the candidate who led the harbour board.",
     "the candidate who led the harbour board"),
])
def test_an_aside_on_the_object_is_not_content_but_a_restrictive_clause_is(
        extractor, text, content):
    assert spans(text, extractor.extract(text)) == [(["The union"], ["endorsed"], [content])]


@pytest.mark.parametrize("text", [
    "When the council posted the figures, the mayor resigned.",
    "Responding to questions from reporters, the mayor closed the harbour.",
    "The ferry was late because the captain told the crew.",
])
def test_a_clause_of_its_own_is_not_a_parenthetical_report_on_the_main_clause(
        extractor, text):
    assert extractor.extract(text) == []


def test_a_parenthetical_report_may_say_when_it_was_made(extractor):
    text = "The barrier held, the mayor said on Monday."
    assert spans(text, extractor.extract(text)) == [
        (["the mayor"], ["said"], ["The barrier held"])]


@pytest.mark.parametrize(("text", "source", "cue", "content"), [
    ("In Velan last week, she told a gathering of island leaders that few people understood"
     " the risks of flooding better than fishermen.", "she", "told",
     "that few people understood the risks of flooding better than fishermen"),
    ("The captain assured a crowd of worried families that every passenger was safe.",
     "The captain", "assured", "that every passenger was safe"),
])
def test_a_that_clause_hung_on_whom_the_speaker_told_is_the_content(
        extractor, text, source, cue, content):
    assert spans(text, extractor.extract(text)) == [([source], [cue], [content])]


def test_a_relative_clause_on_an_object_is_not_a_content(extractor):
    assert extractor.extract("The mayor thanked the workers that the council hired.") == []


@pytest.mark.parametrize(("text", "content"), [
    ("''The gates held,'' the mayor said. ''Nobody was hurt.''",
     ["''The gates held,''", "''Nobody was hurt.''"]),
    ("The harbour was quiet. ''The gates held,'' the mayor said. ''Nobody was hurt.''",
     ["''The gates held,''", "''Nobody was hurt.''"]),
    ('"The gates held," the mayor said. "Nobody was hurt."',
     ['"The gates held,"', '"Nobody was hurt."']),
])
def test_two_apostrophes_open_and_close_a_quotation_like_straight_quotes(
        extractor, text, content):
    assert spans(text, extractor.extract(text)) == [(["the mayor"], ["said"], content)]


def test_with_a_clause_on_each_side_of_the_cue_the_one_after_it_is_the_content(extractor):
    text = "One thing stays with me: all of the fishermen tell me they'd have left for good."
    assert spans(text, extractor.extract(text)) == [
        (["all of the fishermen"], ["tell"], ["they'd have left for good"])]


def test_a_clause_before_the_cue_alone_is_still_its_content(extractor):
    text = "The gates held, the harbour master said."
    assert spans(text, extractor.extract(text)) == [
        (["the harbour master"], ["said"], ["The gates held"])]


@pytest.mark.parametrize(("text", "expected"), [
    ('The mayor said the gates held. "Nobody was hurt."',
     [(["The mayor"], ["said"], ["the gates held", '"Nobody was hurt."'])]),
    ('The mayor said the gates held. "Nobody was hurt," the captain added.',
     [(["The mayor"], ["said"], ["the gates held"]),
      (["the captain"], ["added"], ['"Nobody was hurt,"'])]),
    ('The mayor rejected the plan. "It costs too much."',
     [(["The mayor"], ["rejected"], ["the plan"])]),
])
def test_a_quoted_sentence_after_an_indirect_report_continues_it(extractor, text, expected):
    assert spans(text, extractor.extract(text)) == expected


@pytest.mark.parametrize(("text", "content"), [
    ("Boats like these, the captain said.", "Boats like these"),
    ("Ferries like the old Velan, the captain said.", "Ferries like the old Velan"),
])
def test_words_the_parser_hung_on_a_final_speech_clause_are_its_content(
        extractor, text, content):
    assert spans(text, extractor.extract(text)) == [(["the captain"], ["said"], [content])]


@pytest.mark.parametrize("text", ["Last month, the captain said.",
                                  "Early on Sunday, engineers say."])
def test_a_fronted_time_or_place_is_not_what_was_said(extractor, text):
    assert extractor.extract(text) == []


# ------------------------------------------------- cue detection plugs in ---
def test_another_cue_detector_gets_the_rules_sources_and_contents(extractor):
    from claims.extraction import doc_attributions

    text = "The captain grumbled that the crew was tired. The ferry left at noon."
    assert extractor.extract(text) == []  # 'grumble' is not in the lexicon
    doc = extractor.nlp(text)
    found = doc_attributions(doc, cue_finder=lambda d: [t.i for t in d if t.text == "grumbled"])
    assert spans(text, found) == [(["The captain"], ["grumbled"], ["that the crew was tired"])]
    assert doc_attributions(doc, cue_finder=lambda d: []) == []
