"""The speaker entity the extractor names for each source: its short name and its kind.

Fictional sentences only (none from ../shared); they run the real spaCy model.
"""

import pytest

from claims.extraction import SOURCE_KINDS, Attribution, Extractor, get_extractor


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return get_extractor()


def source_of(text: str, atts: list[Attribution], source: str) -> Attribution:
    found = [a for a in atts if a.source_text == source]
    assert len(found) == 1, [a.source_text for a in atts]
    return found[0]


def only(extractor: Extractor, text: str) -> Attribution:
    (a,) = extractor.extract(text)
    assert a.source_kind in SOURCE_KINDS
    return a


# ------------------------------------------------------------- short names ---
def test_relative_clause_stays_in_the_span_but_not_in_the_entity_name(extractor):
    text = "Mayor Ada Quill, who leads the council, said the bridge would reopen in March."
    a = only(extractor, text)
    assert a.source_text == "Mayor Ada Quill, who leads the council"
    assert a.source_name == "Mayor Ada Quill"
    assert a.source_kind == "person"


def test_apposition_is_cut_and_the_parenthesised_acronym_kept_whole(extractor):
    text = ("The Northern Liberation Front (NLF), an alliance of armed groups, announced that "
            "it had captured two armoured vehicles.")
    a = only(extractor, text)
    assert a.source_text == "The Northern Liberation Front (NLF), an alliance of armed groups"
    assert a.source_name == "The Northern Liberation Front (NLF)"


def test_apposition_that_describes_the_group_decides_its_kind(extractor):
    text = ("The Northern Liberation Front (NLF), an alliance of armed groups, announced that "
            "it had captured two armoured vehicles.")
    assert only(extractor, text).source_kind == "armed_group"


def test_name_never_ends_inside_a_parenthesis(extractor):
    text = ("The Coastal Dockers Union (CDU) announced that its members would strike on Monday, "
            "and the harbour stayed quiet.")
    a = only(extractor, text)
    assert a.source_name == "The Coastal Dockers Union (CDU)"
    assert a.source_name.count("(") == a.source_name.count(")")


def test_dashed_apposition_with_a_participle_is_cut_and_outranks_the_head_word(extractor):
    text = ("Meanwhile, the Eastern Shield (ES) force \u2013 an alliance of armed groups made up "
            "mainly of herders \u2013 announced that it had surrounded the garrison.")
    a = only(extractor, text)
    assert a.source_text.endswith("made up mainly of herders")
    assert a.source_name == "the Eastern Shield (ES) force"
    assert a.source_kind == "armed_group"  # not "military", which "force" alone would say


def test_participial_clause_after_the_source_is_not_in_its_name(extractor):
    text = "The minister, speaking in Velan on Tuesday, said the harbour tax would be cut."
    a = only(extractor, text)
    assert a.source_name == "The minister"
    assert a.source_kind == "government"


def test_named_apposition_is_the_entity_rather_than_the_role(extractor):
    text = "The mine's owner, Kessel Holdings, denied that the shaft was unsafe."
    a = only(extractor, text)
    assert a.source_text == "The mine's owner, Kessel Holdings"
    assert a.source_name == "Kessel Holdings"
    assert a.source_kind == "organisation"


def test_pronoun_takes_the_short_name_and_kind_of_its_antecedent(extractor):
    text = ("An independent analyst, Mira Ostrova, said the forecast was wrong. "
            "She added that costs would rise.")
    atts = extractor.extract(text)
    she = source_of(text, atts, "She")
    assert she.source_name == "Mira Ostrova"
    assert she.source_kind == "person"


def test_relative_pronoun_takes_the_antecedent_without_its_apposition(extractor):
    text = ("The plan was drafted by Tomas Brel, a port engineer who said the old pier "
            "could not be saved.")
    a = only(extractor, text)
    assert a.source_text == "who"
    assert a.resolved_source == "Tomas Brel, a port engineer"
    assert a.source_name == "Tomas Brel"


def test_unresolved_personal_pronoun_is_a_person(extractor):
    text = "He said the harbour would reopen on Friday."
    a = only(extractor, text)
    assert a.source_name == "He"
    assert a.source_kind == "person"


def test_short_name_goes_to_to_json(extractor):
    text = "Mayor Ada Quill, who leads the council, said the bridge would reopen in March."
    data = only(extractor, text).to_json()
    assert data["source_name"] == "Mayor Ada Quill"
    assert data["source_kind"] == "person"


# ------------------------------------------------------------------- kinds ---
@pytest.mark.parametrize(("text", "name", "kind"), [
    ("The Estorian army said that the coastal road was open again.",
     "The Estorian army", "military"),
    ("Government troops claimed that they had retaken the airfield.",
     "Government troops", "military"),
    ("The ministry of transport denied that the tunnel was unsafe.",
     "The ministry of transport", "government"),
    ("The river authority said that the dykes had held.", "The river authority", "government"),
    ("Rebel forces said that they had taken the bridge.", "Rebel forces", "armed_group"),
    ("Militants claimed that they had downed a drone.", "Militants", "armed_group"),
    ("The Velan Herald newspaper reported that the mayor had resigned.",
     "The Velan Herald newspaper", "media"),
    ("A report by the statistics office found that prices had risen.",
     "A report by the statistics office", "document"),
    ("The Estorian government said that the talks had failed.",
     "The Estorian government", "government"),
    ("The dockers' union said that the strike would go on.", "The dockers' union",
     "organisation"),
    ("Both sides said that the ceasefire was holding.", "Both sides", "other"),
])
def test_source_kind_from_entity_labels_and_head_words(extractor, text, name, kind):
    a = only(extractor, text)
    assert (a.source_name, a.source_kind) == (name, kind)


# The model tags each of these names ORG; what the source says beside the name decides.
@pytest.mark.parametrize(("text", "name", "kind"), [
    ("Ilse Okonkwo-Vance, who chairs the board, said profits fell.", "Ilse Okonkwo-Vance",
     "person"),
    ("Ostrova, the analyst, said that the figures were wrong.", "Ostrova", "person"),
    ("An analyst, Ostrova, said that the figures were wrong.", "Ostrova", "person"),
    # ... and what keeps an organisation one
    ("Kessel Holdings, whose shares fell, said the mine would close.", "Kessel Holdings",
     "organisation"),
    ("The Northern Front, who control the pass, said the town had fallen.",
     "The Northern Front", "organisation"),
    ("Kestrel Dynamics, the defence contractor, said its profits fell.", "Kestrel Dynamics",
     "organisation"),
])
def test_a_name_read_as_an_organisation_is_a_person_when_its_source_says_so(
        extractor, text, name, kind):
    a = only(extractor, text)
    assert (a.source_name, a.source_kind) == (name, kind)


def test_anonymous_source_keeps_the_anonymous_kind_and_a_short_name(extractor):
    text = ("A local official, who asked not to be named, said the convoy had turned back "
            "near the border.")
    a = only(extractor, text)
    assert a.anonymous
    assert a.source_kind == "anonymous"
    assert a.source_name == "A local official"


def test_pronoun_for_an_anonymous_source_is_anonymous_too(extractor):
    text = ("A local official, who asked not to be named, said the convoy had turned back. "
            "He said the road was mined.")
    atts = extractor.extract(text)
    he = source_of(text, atts, "He")
    assert he.anonymous
    assert he.source_kind == "anonymous"
    assert he.source_name == "A local official"


def test_attribution_without_a_source_has_no_entity(extractor):
    text = "The new timetable seems too risky for the winter months."
    a = only(extractor, text)
    assert a.source == ()
    assert a.source_name == ""
