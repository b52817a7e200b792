"""Relation-lenient scoring on hand-computed invented cases."""

import pytest

from claims.extraction.attribution import Attribution
from claims.extraction.scoring import Scores, attributions_as_dicts, score

#       0         1         2         3         4         5         6
#       0123456789012345678901234567890123456789012345678901234567890123456
TEXT = "Mayor Ada Quill said the old pier will close. Critics disagree: no."


def att(source, cue, content) -> dict:
    return {"source": source, "cue": cue, "content": content}


SAID = att([[0, 15]], [[16, 20]], [[21, 44]])  # Mayor Ada Quill / said / the old pier will close
COLON = att([], [[62, 63]], [[64, 66]])  # no source / ":" / no


def example(*gold) -> dict:
    return {"id": "a", "text": TEXT, "attributions": list(gold)}


def test_exact_prediction_is_a_true_positive():
    result = score([example(SAID)], [[SAID]])
    assert (result.tp, result.fp, result.fn) == (1, 0, 0)
    assert result.precision == result.recall == result.f1 == 1.0


def test_content_with_half_the_words_still_matches():
    # gold content has 5 words; "the old pier" has 3: Dice = 2*3/(5+3) = 0.75
    assert score([example(SAID)], [[att([[0, 15]], [[16, 20]], [[21, 33]])]]).tp == 1
    # "the" alone: 2*1/(5+1) = 0.33
    assert score([example(SAID)], [[att([[0, 15]], [[16, 20]], [[21, 24]])]]).tp == 0


def test_source_dice_threshold_is_inclusive():
    # "Quill" against "Mayor Ada Quill": 2*1/(3+1) = 0.5, a match
    assert score([example(SAID)], [[att([[10, 15]], [[16, 20]], [[21, 44]])]]).tp == 1


def test_empty_gold_source_needs_an_empty_predicted_source():
    assert score([example(COLON)], [[COLON]]).tp == 1
    result = score([example(COLON)], [[att([[46, 53]], [[62, 63]], [[64, 66]])]])
    assert (result.tp, result.fp, result.fn) == (0, 1, 1)


def test_predicted_source_against_empty_gold_source_is_wrong_but_missing_source_too():
    result = score([example(SAID)], [[att([], [[16, 20]], [[21, 44]])]])
    assert (result.tp, result.fp, result.fn) == (0, 1, 1)


def test_punctuation_only_cue_compares_characters():
    wrong_colon = att([], [[44, 45]], [[64, 66]])  # the full stop, not the colon
    assert score([example(COLON)], [[wrong_colon]]).tp == 0


def test_each_gold_attribution_is_matched_once():
    result = score([example(SAID)], [[SAID, SAID]])
    assert (result.tp, result.fp, result.fn) == (1, 1, 0)
    assert result.precision == 0.5
    assert result.recall == 1.0
    assert result.f1 == pytest.approx(2 / 3)


def test_matching_finds_the_best_pairing():
    # two gold attributions with the same cue and source; the first prediction fits both
    # contents, the second only the first gold one: pairing the first prediction with the first
    # gold one finds 1, the best pairing finds 2
    g1 = att([[0, 15]], [[16, 20]], [[21, 44]])
    g2 = att([[0, 15]], [[16, 20]], [[21, 33]])  # the old pier
    p1 = att([[0, 15]], [[16, 20]], [[21, 37]])  # the old pier will: fits g1 (0.89) and g2 (0.86)
    p2 = att([[0, 15]], [[16, 20]], [[34, 44]])  # will close: g1 (0.57), not g2 (0)
    result = score([example(g1, g2)], [[p1, p2]])
    assert (result.tp, result.fp, result.fn) == (2, 0, 0)


def test_counts_add_up_over_articles_and_cue_pattern_filters_both_sides():
    result = score([example(SAID, COLON), example(SAID)], [[SAID], []])
    assert (result.tp, result.fp, result.fn) == (1, 0, 2)
    said_only = score([example(SAID, COLON), example(SAID)], [[SAID, COLON], []],
                      cue_pattern=r"\bsaid\b")
    assert (said_only.tp, said_only.fp, said_only.fn) == (1, 0, 1)


def test_predictions_inside_discarded_text_are_left_out():
    gold = dict(example(SAID), discard=[[46, 63], [63, 67]])
    result = score([gold], [[SAID, COLON]])
    assert (result.tp, result.fp, result.fn) == (1, 0, 0)


def test_nothing_predicted_nothing_gold_gives_zero_scores():
    result = score([example()], [[]])
    assert result == Scores(0, 0, 0)
    assert result.f1 == 0.0


def test_one_prediction_list_per_example_is_required():
    with pytest.raises(ValueError, match="one list of attributions per example"):
        score([example(SAID)], [])


def test_attributions_as_dicts_keeps_the_three_fields():
    a = Attribution(source=((0, 15),), cue=((16, 20),), content=((21, 44),), kind="indirect",
                    confidence=0.8, sentence=(0, 45), source_text="Mayor Ada Quill",
                    resolved_source="Mayor Ada Quill", anonymous=False)
    assert attributions_as_dicts([a]) == [SAID]
