"""The learned extractor on a tiny invented training set (fictional sentences only)."""

import json

import numpy as np
import pytest

from claims.extraction import get_extractor
from claims.extraction.learned import (
    FORMAT_VERSION,
    LearnedExtractor,
    LearnedModel,
    train,
)
from claims.extraction.scoring import attributions_as_dicts, score

SPEAKERS = ["The harbour master", "Mayor Ada Quill", "A ferry captain", "The council clerk",
            "Professor Iván Morrow", "The lighthouse keeper", "A fishmonger", "Senator Lu Ferrand"]
CLAIMS = ["the ferry would leave at dawn", "the pier needed new planks",
          "the tide tables were wrong", "the budget had run dry", "the gulls ate the bread",
          "the bridge would open in May", "nobody had read the report",
          "the fog would lift by noon"]
FILLERS = ["The crew painted the hull on Tuesday.", "Rain fell over the market square.",
           "Two boats returned with nets full of herring.", "The old mill stands by the river."]


def example(n: int, cue: str) -> dict:
    """An invented article: a filler sentence, then 'S <cue> that C.', then a second report
    with 'said'."""
    speaker, claim = SPEAKERS[n % len(SPEAKERS)], CLAIMS[n % len(CLAIMS)]
    other, claim2 = SPEAKERS[(n + 3) % len(SPEAKERS)], CLAIMS[(n + 5) % len(CLAIMS)]
    filler = FILLERS[n % len(FILLERS)]
    first = f"{speaker} {cue} that {claim}."
    second = f"{other} said {claim2}."
    text = f"{filler} {first} {second}"

    def span(part: str, within: int = 0) -> list[int]:
        start = text.index(part, within)
        return [start, start + len(part)]

    at = text.index(first)
    at2 = text.index(second)
    return {"id": f"invented-{n}", "text": text, "attributions": [
        {"source": [span(speaker, at)], "cue": [span(cue, at)],
         "content": [span(f"that {claim}", at)]},
        {"source": [span(other, at2)], "cue": [span("said", at2)],
         "content": [span(claim2, at2)]},
    ]}


@pytest.fixture(scope="module")
def examples() -> list[dict]:
    # "grumbled" in both halves the learner holds out in turn (even and odd examples)
    return [example(n, "grumbled" if n % 4 in (1, 2) else "claimed") for n in range(16)]


@pytest.fixture(scope="module")
def model(examples) -> LearnedModel:
    return train(examples, seed=0)


def test_train_reports_progress_and_describes_the_model(examples):
    stages = []
    model = train(examples[:6], progress=lambda done, total, stage: stages.append(stage))
    assert {"parsing", "features", "fitting"} <= set(stages)
    assert model.meta["format_version"] == FORMAT_VERSION
    assert model.meta["articles"] == 6
    assert model.meta["attributions"] == 12
    assert len(model.digest) == 12


def test_train_refuses_examples_without_attributions():
    with pytest.raises(ValueError, match="Too little to learn from"):
        train([{"id": "x", "text": "The crew painted the hull.", "attributions": []}])


def test_train_refuses_a_cue_outside_its_text():
    bad = {"id": "x", "text": "Ada said so.", "attributions": [
        {"source": [[0, 3]], "cue": [[4, 80]], "content": [[9, 11]]}]}
    with pytest.raises(ValueError, match="outside its text"):
        train([bad] * 6)


def test_learned_extractor_finds_a_cue_the_lexicon_does_not_know(model):
    text = "The baker grumbled that flour prices kept rising. The crew repaired the nets."
    rules_cues = [text[a.cue[0][0]:a.cue[0][1]] for a in get_extractor().extract(text)]
    assert "grumbled" not in rules_cues

    found = LearnedExtractor(model).extract(text)
    assert [text[a.cue[0][0]:a.cue[0][1]] for a in found] == ["grumbled"]
    assert [text[s:e] for s, e in found[0].source] == ["The baker"]
    assert [text[s:e] for s, e in found[0].content] == ["that flour prices kept rising"]


def test_learned_extractor_version_carries_label_or_digest(model):
    base = get_extractor()
    assert LearnedExtractor(model).version == f"learned-{model.digest}+{base.version}"
    assert LearnedExtractor(model, label="7-2026-11-26").version == \
        f"learned-7-2026-11-26+{base.version}"
    assert list(LearnedExtractor(model).extract_many(["", "The crew sang."])) == [[], []]


def test_saved_model_loads_back_with_the_same_predictions(model, tmp_path):
    model.save(tmp_path / "m")
    loaded = LearnedModel.load(tmp_path / "m")
    assert loaded.digest == model.digest
    assert loaded.meta == model.meta
    text = "A fishmonger grumbled that the gulls ate the bread. The crew sang."
    assert LearnedExtractor(loaded).extract(text) == LearnedExtractor(model).extract(text)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["meta.json", "weights.npz"]
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as npz:
        assert all(npz[name].dtype != object for name in npz.files)


def test_load_refuses_a_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="is not a learned model"):
        LearnedModel.load(tmp_path / "nowhere")


def test_load_refuses_changed_weights(model, tmp_path):
    model.save(tmp_path)
    weights = tmp_path / "weights.npz"
    blob = bytearray(weights.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    weights.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="corrupt"):
        LearnedModel.load(tmp_path)


def test_load_refuses_broken_meta_and_other_format_versions(model, tmp_path):
    model.save(tmp_path)
    meta_path = tmp_path / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps(dict(meta, format_version=FORMAT_VERSION + 1)))
    with pytest.raises(ValueError, match="train the model again"):
        LearnedModel.load(tmp_path)
    meta_path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        LearnedModel.load(tmp_path)


def test_learned_extractor_scores_its_own_training_examples_well(model, examples):
    extractor = LearnedExtractor(model)
    predicted = [attributions_as_dicts(a)
                 for a in extractor.extract_many(ex["text"] for ex in examples)]
    assert score(examples, predicted).f1 >= 0.9


def test_train_accepts_rejected_claims_beside_the_reviewed_ones(examples):
    with_negatives = [dict(ex, negatives=[{"source": [], "cue": [[0, 3]], "content": [[4, 9]]}])
                      for ex in examples[:6]]
    assert train(with_negatives).meta["attributions"] == 12


def test_load_refuses_meta_without_the_model_settings(model, tmp_path):
    model.save(tmp_path)
    meta_path = tmp_path / "meta.json"
    meta = json.loads(meta_path.read_text())
    del meta["features"]["threshold"]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="lacks a setting"):
        LearnedModel.load(tmp_path)


REASONS = ["the tide had turned early in the long night and the wind from the north kept every "
           "boat in the harbour until noon",
           "the old logbook of the harbour office showed three missed sailings in the last "
           "week of the stormy month",
           "the crew of the night boat had gone home before the captain could count the "
           "passengers on the upper deck"]


def reasoned(n: int) -> dict:
    """'S said that C, because R.': reviewers take only 'that C' as content, the rules the
    reason too (long enough that the rules' content no longer matches leniently)."""
    speaker, claim = SPEAKERS[n % len(SPEAKERS)], CLAIMS[n % len(CLAIMS)]
    text = f"{FILLERS[n % len(FILLERS)]} {speaker} said that {claim}, because " \
           f"{REASONS[n % len(REASONS)]}."
    at = text.index(speaker)

    def span(part: str) -> list[int]:
        start = text.index(part, at)
        return [start, start + len(part)]

    return {"id": f"reasoned-{n}", "text": text, "attributions": [
        {"source": [span(speaker)], "cue": [span("said")], "content": [span(f"that {claim}")]}]}


def test_content_ranker_learns_to_leave_out_what_reviewers_leave_out():
    text = ("The council clerk said that the market would close, because the river had "
            "flooded the lower streets twice in the same week and nobody could reach the stalls.")
    rules_content = [text[s:e] for a in get_extractor().extract(text) for s, e in a.content]
    assert rules_content == [text[text.index("that the market"):-1]]

    model = train([reasoned(n) for n in range(16)])
    found = LearnedExtractor(model).extract(text)
    assert [text[s:e] for a in found for s, e in a.content] == ["that the market would close"]


WARNERS = ["The coastguard", "The harbour radio", "A weather bulletin", "The sirens",
           "The weather office", "Red flags on the pier"]
WEATHER = ["storms along the northern coast", "high winds in the valley", "fog over the bay",
           "hail on the hills", "heavy rain after dark", "snow on the mountain pass"]


def bulletin(n: int, *, rejected: bool = True) -> dict:
    """An invented weather bulletin: 'W warned of X.' (the rules take it for a claim; a
    reviewer rejected it), then 'S said that C.' and 'S2 warned that C2.' (real claims)."""
    warner, weather = WARNERS[n % len(WARNERS)], WEATHER[n % len(WEATHER)]
    speaker, claim = SPEAKERS[n % len(SPEAKERS)], CLAIMS[n % len(CLAIMS)]
    other, claim2 = SPEAKERS[(n + 3) % len(SPEAKERS)], CLAIMS[(n + 5) % len(CLAIMS)]
    second, third = f"{speaker} said that {claim}.", f"{other} warned that {claim2}."
    text = f"{warner} warned of {weather}. {second} {third}"

    def span(part: str, within: int = 0) -> list[int]:
        start = text.index(part, within)
        return [start, start + len(part)]

    at2, at3 = text.index(second), text.index(third)
    return {"id": f"bulletin-{n}", "text": text, "attributions": [
        {"source": [span(speaker, at2)], "cue": [span("said", at2)],
         "content": [span(f"that {claim}", at2)]},
        {"source": [span(other, at3)], "cue": [span("warned", at3)],
         "content": [span(f"that {claim2}", at3)]},
    ], "negatives": [{"source": [span(warner)], "cue": [span("warned of")],
                      "content": [span(weather)]}] if rejected else []}


NEW_BULLETIN = ("The lighthouse radio warned of thunder over the estuary. The ferry captain said "
                "that the crossing was cancelled. The pilot warned that the channel had silted up.")


def described(extractor, text: str) -> list[tuple[str, str, str]]:
    return [(" ".join(text[s:e] for s, e in a.source), " ".join(text[s:e] for s, e in a.cue),
             " ".join(text[s:e] for s, e in a.content)) for a in extractor.extract(text)]


def test_a_claim_reviewers_rejected_is_no_longer_produced_after_training():
    rejected = ("The lighthouse radio", "warned of", "thunder")
    real = [("The ferry captain", "said", "that the crossing was cancelled"),
            ("The pilot", "warned", "that the channel had silted up")]
    assert described(get_extractor(), NEW_BULLETIN) == [rejected, *real]

    model = train([bulletin(n) for n in range(8)])

    assert described(LearnedExtractor(model), NEW_BULLETIN) == real
    assert model.meta["features"]["rejected_examples"]["cue"] == 8


def test_rejected_claims_weigh_more_than_words_nobody_marked():
    """The same articles with and without the reviewers' rejections: the rejected cue is a
    negative either way (it is no attribution), but a refused one counts for more."""
    with_rejections = train([bulletin(n) for n in range(8)])
    without = train([bulletin(n, rejected=False) for n in range(8)])
    assert without.meta["features"]["rejected_examples"]["cue"] == 0

    doc = get_extractor().nlp(NEW_BULLETIN)
    warned_of = next(t.i for t in doc if t.lower_ == "warned")

    def cue_probability(model) -> float:
        ids, prob, _ = model.cue_probabilities(doc)
        return float(prob[ids.index(warned_of)])

    assert cue_probability(with_rejections) < cue_probability(without)


def test_a_rejected_claim_on_the_cue_of_a_kept_one_does_not_count_against_it():
    """A reviewer rejected the rules' reading and added the right one on the same cue: the cue
    word stays a positive."""
    examples = [bulletin(n) for n in range(8)]
    for ex in examples:
        ex["negatives"].append(dict(ex["attributions"][0], content=[[0, 5]]))
    model = train(examples)
    assert model.meta["features"]["rejected_examples"]["cue"] == 8
    assert ("The ferry captain", "said", "that the crossing was cancelled") in \
        described(LearnedExtractor(model), NEW_BULLETIN)


# ------------------------------------------------------------ cue detection (cue-6) ---
def parsed(text: str):
    return get_extractor().nlp(text)


def words(doc, ids) -> str:
    return " ".join(doc[i].text for i in sorted(ids) if not doc[i].is_space)


def built(doc, word: str):
    from claims.extraction.learned import build

    return build(next(t for t in doc if t.text == word))


def widenings(doc, cand) -> list[str]:
    from claims.extraction.learned import cue_widenings

    return [words(doc, ids) for _, ids in cue_widenings(doc, cand)]


def test_what_could_widen_a_cue_follows_it_word_for_word():
    doc = parsed("Mayor Ada Quill said in a statement that the pier would close.")
    assert widenings(doc, built(doc, "said")) == ["in a statement"]
    doc = parsed("The pier would close, the harbour master explained with a smile.")
    assert widenings(doc, built(doc, "explained")) == ["with a smile"]


def test_nothing_widens_a_cue_right_before_its_content_or_across_a_line():
    from claims.extraction import rules

    doc = parsed("The harbour master said that the ferry would leave at dawn.")
    assert widenings(doc, built(doc, "said")) == []
    doc = parsed("The harbour master said\n\nin a statement: the ferry would leave.")
    said = next(t for t in doc if t.text == "said")
    content = {t.i for t in doc if t.i > said.i + 6 and not t.is_space}
    cand = rules.Candidate([said.i], [0, 1, 2], content, rules.INDIRECT, 0.8, 2, "clause")
    assert widenings(doc, cand) == []


def test_the_gold_head_of_a_copula_cue_is_its_predicate():
    from claims.extraction.learned import _char_to_token, _cue_heads

    text = "The harbour master was critical of the new bridge."
    doc = parsed(text)
    start = text.index("was critical of")
    heads = _cue_heads(doc, _char_to_token(doc, 0, len(text)),
                       [[start, start + len("was critical of")]])
    assert [doc[i].text for i in heads] == ["critical"]
    start = text.index("master")  # a plain word stays its own head
    heads = _cue_heads(doc, _char_to_token(doc, 0, len(text)), [[start, start + 6]])
    assert [doc[i].text for i in heads] == ["master"]


def test_the_cue_model_sees_a_report_nested_in_another_ones_content():
    from claims.extraction.learned import cue_features

    doc = parsed("Mayor Ada Quill said the council believes that the pier is safe.")
    said = next(t for t in doc if t.text == "said")
    believes = next(t for t in doc if t.text == "believes")
    assert "nest=none" in cue_features(said, False)
    inner = cue_features(believes, False)
    assert "nest=ccomp" in inner
    assert "nest_l=say" in inner


def test_the_cue_model_sees_the_phrase_a_cue_word_makes_with_its_object():
    from claims.extraction.learned import cue_features

    doc = parsed("The ferry captain took aim at the new timetable.")
    took = next(t for t in doc if t.text == "took")
    assert "l_ch=take|dobj|aim" in cue_features(took, False)


def test_the_keep_model_sees_the_cue_models_probability():
    from claims.extraction.learned import CUE_PROBABILITIES, keep_features
    from claims.extraction.quotes import quote_mask

    doc = parsed("Mayor Ada Quill said that the pier would close.")
    cand = built(doc, "said")
    quoted = quote_mask([], len(doc))
    assert "k_p=none" in keep_features(doc, cand, quoted, False)
    doc.user_data[CUE_PROBABILITIES] = {cand.cue[0]: 0.87}
    feats = keep_features(doc, cand, quoted, False)
    assert "k_p=8" in feats
    assert "k_p_lex=8|True" in feats


def lettered(n: int, cue_words: str) -> dict:
    """'S claimed in a letter that C.', with the cue reviewers marked: `cue_words` (either
    'claimed in a letter' or 'claimed')."""
    ex = example(n, "claimed in a letter")
    text = ex["text"]
    cue = ex["attributions"][0]["cue"][0]
    ex["attributions"][0]["cue"] = [[cue[0], cue[0] + len(cue_words)]]
    assert text[cue[0]:cue[0] + len(cue_words)] == cue_words
    return ex


def cue_of(extractor, text: str) -> str:
    (att,) = [a for a in extractor.extract(text) if "said" not in text[a.cue[0][0]:a.cue[0][1]]]
    return " ".join(text[s:e] for s, e in att.cue)


def test_a_learner_whose_reviewers_mark_the_setting_as_cue_learns_to_take_it_in():
    model = train([lettered(n, "claimed in a letter") for n in range(16)])
    assert model.meta["features"]["widen"]
    text = "A fishmonger claimed in a letter that nobody had read the report."
    assert cue_of(LearnedExtractor(model), text) == "claimed in a letter"


def test_a_learner_whose_reviewers_mark_the_verb_alone_keeps_the_cue_short():
    model = train([lettered(n, "claimed") for n in range(16)])
    assert not model.meta["features"]["widen"]
    text = "A fishmonger claimed in a letter that nobody had read the report."
    assert cue_of(LearnedExtractor(model), text) == "claimed"


def test_load_refuses_a_model_of_an_older_feature_set(model, tmp_path):
    model.save(tmp_path)
    meta_path = tmp_path / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["features"]["feature_set"] = "cue-5"
    del meta["features"]["widen"]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="does not fit feature set"):
        LearnedModel.load(tmp_path)
