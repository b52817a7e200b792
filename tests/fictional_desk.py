"""A small desk of invented news articles (every name, place and event made up for these
tests) with the attributions a careful reviewer would mark, and a helper that builds the
desk reviewed: the extractor's claims checked against those attributions, as reviewers do
through the services (marked right, corrected, rejected, or added when it missed one).

Every article has a claim whose cue is "grumbled", a verb the rules' lexicon does not know:
the rules miss those, a model trained on the desk can learn them.
"""

from dataclasses import dataclass

from annotations.services import verdict_submit
from claims.models import Article, Claim, TrainedExtractor
from claims.selectors import claim_spans_by_role
from claims.services import (
    article_create,
    claim_add,
    claim_reject,
    claim_spans_update,
    segmentation_run,
)


@dataclass(frozen=True)
class Gold:
    """An attribution by the words it covers, each found in the article after the previous."""

    source: str
    cue: str
    content: str


# (title, text, gold attributions in reading order)
ARTICLES: list[tuple[str, str, list[Gold]]] = [
    ("Ferry timetable", "The harbour master of Velmora said that the night ferry would stop in "
     "May. Dock workers grumbled that nobody had asked them. A notice at the pier said the "
     "café was shut.",
     [Gold("The harbour master of Velmora", "said", "the night ferry would stop in May"),
      Gold("Dock workers", "grumbled", "nobody had asked them")]),
    ("Orchard frost", "Farmers in the Tallow valley grumbled that the frost had ruined half the "
     "pears. The regional office said the losses would be counted next week.",
     [Gold("Farmers in the Tallow valley", "grumbled", "the frost had ruined half the pears"),
      Gold("The regional office", "said", "the losses would be counted next week")]),
    ("Library hours", "Councillor Brina Osk told reporters that the library would close on "
     "Sundays. Students grumbled that the reading room was already too small. A sign on the "
     "door said the lift was broken.",
     [Gold("Councillor Brina Osk", "told", "the library would close on Sundays"),
      Gold("Students", "grumbled", "the reading room was already too small")]),
    ("Bus fares", "Passengers grumbled that the new fares were twice the old ones. The "
     "transport board denied that fares had doubled.",
     [Gold("Passengers", "grumbled", "the new fares were twice the old ones"),
      Gold("The transport board", "denied", "that fares had doubled")]),
    ("Bridge repairs", "The city engineer said the east bridge needed new cables. Shopkeepers "
     "on Quay Street grumbled that the repairs would keep customers away for months.",
     [Gold("The city engineer", "said", "the east bridge needed new cables"),
      Gold("Shopkeepers on Quay Street", "grumbled",
           "the repairs would keep customers away for months")]),
    ("School meals", "Parents grumbled that the school meals had become smaller. The head "
     "teacher, Ilsa Moran, said portions had not changed since spring.",
     [Gold("Parents", "grumbled", "the school meals had become smaller"),
      Gold("The head teacher, Ilsa Moran", "said", "portions had not changed since spring")]),
    ("Market square", "Stallholders grumbled that the market square was being paved again. "
     "According to the works department, the paving will be finished by Friday.",
     [Gold("Stallholders", "grumbled", "the market square was being paved again"),
      Gold("the works department", "According to", "the paving will be finished by Friday")]),
    ("Water pressure", "Residents of Hollin Row grumbled that the water pressure dropped every "
     "evening. The water company said a valve would be replaced.",
     [Gold("Residents of Hollin Row", "grumbled", "the water pressure dropped every evening"),
      Gold("The water company", "said", "a valve would be replaced")]),
    ("Stadium lights", "The club chairman warned that the stadium lights could fail during the "
     "final. Neighbours grumbled that the lights kept them awake.",
     [Gold("The club chairman", "warned", "the stadium lights could fail during the final"),
      Gold("Neighbours", "grumbled", "the lights kept them awake")]),
    ("Post office", "Villagers in Crane End grumbled that the post office opened only twice a "
     "week. The postal service said it had no staff for more days.",
     [Gold("Villagers in Crane End", "grumbled", "the post office opened only twice a week"),
      Gold("The postal service", "said", "it had no staff for more days")]),
    ("Hospital parking", "Nurses grumbled that the hospital car park was full by seven. The "
     "hospital trust said a second car park would open in autumn.",
     [Gold("Nurses", "grumbled", "the hospital car park was full by seven"),
      Gold("The hospital trust", "said", "a second car park would open in autumn")]),
    ("River cleanup", "Volunteers grumbled that the river was dirtier than last year. The "
     "environment officer, Tam Reyes, told the council that more bins were on order.",
     [Gold("Volunteers", "grumbled", "the river was dirtier than last year"),
      Gold("The environment officer, Tam Reyes", "told", "more bins were on order")]),
    ("Cinema closure", "Film fans grumbled that the old cinema would become flats. The "
     "developer said the facade would be kept.",
     [Gold("Film fans", "grumbled", "the old cinema would become flats"),
      Gold("The developer", "said", "the facade would be kept")]),
    ("Snow clearing", "Drivers grumbled that the hill road had not been gritted. The roads "
     "office said its gritters had broken down on Monday.",
     [Gold("Drivers", "grumbled", "the hill road had not been gritted"),
      Gold("The roads office", "said", "its gritters had broken down on Monday")]),
    ("Festival noise", "The festival organiser said the music would end at eleven. Residents "
     "grumbled that it had gone on past midnight last year.",
     [Gold("The festival organiser", "said", "the music would end at eleven"),
      Gold("Residents", "grumbled", "it had gone on past midnight last year")]),
    ("Tram delays", "Commuters grumbled that the trams were late every morning. The operator "
     "said new drivers were being trained.",
     [Gold("Commuters", "grumbled", "the trams were late every morning"),
      Gold("The operator", "said", "new drivers were being trained")]),
    ("Fishing quota", "Fishermen in Port Adell grumbled that the new quota was too low. The "
     "fisheries minister said the quota protected young cod.",
     [Gold("Fishermen in Port Adell", "grumbled", "the new quota was too low"),
      Gold("The fisheries minister", "said", "the quota protected young cod")]),
    ("Park benches", "Pensioners grumbled that the park had lost its benches. The parks "
     "manager said the benches were being painted.",
     [Gold("Pensioners", "grumbled", "the park had lost its benches"),
      Gold("The parks manager", "said", "the benches were being painted")]),
    ("Bakery prices", "Customers grumbled that bread now cost more than cake. The bakers' "
     "guild said flour prices had risen by a third.",
     [Gold("Customers", "grumbled", "bread now cost more than cake"),
      Gold("The bakers' guild", "said", "flour prices had risen by a third")]),
    ("Airport runway", "Airline pilots grumbled that the short runway was dangerous in rain. "
     "The airport director denied that the runway was unsafe.",
     [Gold("Airline pilots", "grumbled", "the short runway was dangerous in rain"),
      Gold("The airport director", "denied", "that the runway was unsafe")]),
]

# An article whose claims nobody has reviewed: it must never be an example.
UNREVIEWED = ("Harbour dredging", "The port authority said dredging would start in June. "
              "Sailors grumbled that the channel was already too shallow.")


def gold_of(text: str, attributions: list[Gold]) -> list[dict[str, list[list[int]]]]:
    """The attributions as spans: each fragment's first occurrence after the attribution
    before it."""
    found, after = [], 0
    for gold in attributions:
        spans = {}
        for role in ("source", "cue", "content"):
            start = text.index(getattr(gold, role), after)
            spans[role] = [[start, start + len(getattr(gold, role))]]
        found.append(spans)
        after = max(end for role in spans.values() for _, end in role)
    return found


def _overlaps(a: list[list[int]], b: list[list[int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def review_article(article: Article, attributions: list[Gold], *, reviewer,
                   other_reviewer) -> None:
    """Review the extractor's claims against the gold attributions: a claim on a gold cue is
    corrected to the gold spans (or, when already right, marked right by two reviewers, which
    makes it final); any other claim is rejected; a gold attribution the extractor missed is
    added."""
    gold = gold_of(article.text, attributions)
    matched = set()
    for claim in Claim.objects.filter(article=article).order_by("position"):
        spans = claim_spans_by_role(claim)
        hit = next((n for n, g in enumerate(gold)
                    if n not in matched and _overlaps(g["cue"], spans["cue"])), None)
        if hit is None:
            claim_reject(claim=claim, actor=reviewer, expected_version=None)
            continue
        matched.add(hit)
        wanted = gold[hit]
        changed = False
        for role in ("source", "cue", "content"):
            if [list(s) for s in spans[role]] != wanted[role]:
                claim = claim_spans_update(claim=claim, role=role, spans=wanted[role],
                                           actor=reviewer, expected_version=None)
                changed = True
        if not changed:
            for who in (reviewer, other_reviewer):
                verdict_submit(claim=claim, reviewer=who, label="confirmed",
                               source_correct=True, content_correct=True)
    for n, wanted in enumerate(gold):
        if n not in matched:
            claim_add(article=article, source_spans=wanted["source"], cue_spans=wanted["cue"],
                      content_spans=wanted["content"], actor=reviewer)


def reviewed_desk(*, reviewer, other_reviewer, articles=ARTICLES) -> list[Article]:
    """The fictional desk submitted (segmented by the rules), every article reviewed."""
    created = []
    for title, text, attributions in articles:
        article = article_create(title=title, text=text).article
        segmentation_run(article_id=article.pk)  # as the worker would, with the extractor in use
        article.refresh_from_db()
        assert article.segmentation_status == Article.Segmentation.DONE, \
            article.segmentation_error
        review_article(article, attributions, reviewer=reviewer, other_reviewer=other_reviewer)
        created.append(article)
    return created


def finished_copy(run: TrainedExtractor) -> TrainedExtractor:
    """Another finished run with the same model and figures, measured against `run`: no
    better (training on the same data again gives the same figures: see
    tests/claims/test_extractor_training.py)."""
    return TrainedExtractor.objects.create(
        status="done", finished_at=run.finished_at, directory=run.directory, digest=run.digest,
        version=run.version, learned_f1=run.learned_f1, baseline_f1=run.learned_f1)
