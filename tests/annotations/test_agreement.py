"""The agreement figures as pure functions, checked against published worked examples."""

import math

import pytest

from annotations.agreement import (
    agreement,
    cohen_kappa,
    confusion_between_reviewers,
    confusion_table,
    krippendorff_alpha,
    pair_agreements,
    percent_agreement,
)

LABELS = ("confirmed", "contested", "unverifiable")


def ratings_from_rows(rows: dict[str, list]) -> dict[int, dict[str, object]]:
    """A reviewers x items table (None: missing) as item -> {reviewer -> label}."""
    n_items = len(next(iter(rows.values())))
    return {item: {reviewer: values[item] for reviewer, values in rows.items()}
            for item in range(n_items)}


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, values 1-5, with missing values ("." in the paper).
KRIPPENDORFF_2011 = ratings_from_rows({
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
})


def test_alpha_matches_krippendorffs_nominal_example_with_missing_values():
    """Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
    for Communication, University of Pennsylvania, section C ("Nominal data, any number of
    observers, missing values"): 4 observers x 12 units, nominal alpha = 0.743. Unit 12 has a
    single value, so 11 units are pairable."""
    figures = agreement(KRIPPENDORFF_2011, value_domain=[1, 2, 3, 4, 5])
    assert round(figures.alpha, 3) == 0.743
    assert figures.items == 11


def test_alpha_rejects_labels_outside_the_value_domain():
    with pytest.raises(ValueError, match="outside the value domain"):
        krippendorff_alpha(KRIPPENDORFF_2011, value_domain=[1, 2, 3, 4])


def test_cohen_kappa_matches_the_textbook_yes_no_example():
    """Wikipedia, "Cohen's kappa", section "Simple example": 50 grant proposals read by A and
    B; both yes 20, A yes B no 5, A no B yes 10, both no 15. p_o = 0.7, p_e = 0.5,
    kappa = 0.4."""
    pairs = ([("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10
             + [("no", "no")] * 15)
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_pair_figures_come_from_the_items_both_reviewers_labelled():
    ratings = {
        1: {"ann": "confirmed", "bob": "confirmed"},
        2: {"ann": "contested", "bob": "confirmed"},
        3: {"ann": "contested", "bob": "contested", "cy": "contested"},
        4: {"ann": "unverifiable", "bob": None},  # bob did not label it
        5: {"cy": "confirmed"},
    }
    ann_bob, ann_cy, bob_cy = pair_agreements(ratings)
    assert (ann_bob.reviewer_a, ann_bob.reviewer_b, ann_bob.items) == ("ann", "bob", 3)
    assert ann_bob.percent == pytest.approx(200 / 3)
    # p_o = 2/3; ann: 1 confirmed, 2 contested; bob: 2 confirmed, 1 contested: p_e = 4/9.
    assert ann_bob.kappa == pytest.approx((2 / 3 - 4 / 9) / (1 - 4 / 9))
    assert (ann_cy.items, ann_cy.percent, ann_cy.kappa) == (1, None, None)
    assert (bob_cy.items, bob_cy.percent, bob_cy.kappa) == (1, None, None)


@pytest.mark.parametrize("n_items", [0, 1])
def test_every_figure_on_fewer_than_two_items_is_undefined(n_items):
    ratings = {item: {"ann": "confirmed", "bob": "contested"} for item in range(n_items)}
    ratings[99] = {"ann": "confirmed"}  # one label: not pairable
    figures = agreement(ratings, value_domain=LABELS)
    assert (figures.items, figures.percent, figures.alpha) == (n_items, None, None)
    assert cohen_kappa([("confirmed", "contested")] * n_items) is None


def test_perfect_agreement_gives_one_and_a_hundred_percent():
    ratings = {1: {"ann": "confirmed", "bob": "confirmed"},
               2: {"ann": "contested", "bob": "contested"},
               3: {"ann": "unverifiable", "bob": "unverifiable", "cy": "unverifiable"}}
    figures = agreement(ratings, value_domain=LABELS)
    assert (figures.items, figures.percent, figures.alpha) == (3, 100.0, 1.0)
    assert pair_agreements(ratings)[0].kappa == 1.0


def test_one_label_throughout_leaves_kappa_and_alpha_undefined_not_nan():
    """Expected agreement 1 (kappa) and expected disagreement 0 (alpha): both 0/0."""
    ratings = {item: {"ann": "confirmed", "bob": "confirmed"} for item in range(5)}
    figures = agreement(ratings, value_domain=LABELS)
    assert (figures.items, figures.percent, figures.alpha) == (5, 100.0, None)
    assert cohen_kappa([("confirmed", "confirmed")] * 5) is None


def test_disagreement_on_everything_gives_no_nan():
    ratings = {1: {"ann": "confirmed", "bob": "contested"},
               2: {"ann": "contested", "bob": "confirmed"}}
    figures = agreement(ratings, value_domain=LABELS)
    assert figures.percent == 0.0
    assert not math.isnan(figures.alpha)
    assert figures.alpha < 0
    assert percent_agreement(ratings) == 0.0


def test_confusion_table_counts_label_pairs_in_value_domain_order():
    table = confusion_table([("confirmed", "contested"), ("confirmed", "contested"),
                             ("unverifiable", "unverifiable")], value_domain=LABELS)
    assert table.rows == ((0, 2, 0), (0, 0, 0), (0, 0, 1))
    assert table.count("confirmed", "contested") == 2
    assert table.total == 3


def test_confusion_between_reviewers_counts_each_pair_once_without_order():
    ratings = {1: {"ann": "contested", "bob": "confirmed"},
               2: {"ann": "confirmed", "bob": "contested"},
               3: {"ann": "confirmed", "bob": "confirmed", "cy": "unverifiable"},
               4: {"ann": "unverifiable"}}
    table = confusion_between_reviewers(ratings, value_domain=LABELS)
    # Item 3: ann-bob agree, ann-cy and bob-cy are confirmed/unverifiable.
    assert table.rows == ((1, 2, 2), (0, 0, 0), (0, 0, 0))
    assert table.total == 5
