"""Which extractor segmentation runs: the desk's active trained model on top of the rules, or
the rules alone when no model is active (or the active one cannot be loaded).

Every segmentation asks `current_extractor()`: one cheap query for the active model's row,
then the extractor this process built for that row, built again when the row changes, so a
worker picks up a newly activated model on its next article, without a restart.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

from claims.models import TrainedExtractor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractorInUse:
    """The extractor segmentation runs now, the trained model it runs (None: the rules
    alone), and why the active model is not used when it cannot be ("" otherwise)."""

    extractor: object  # claims.extraction.Extractor or claims.extraction.learned.LearnedExtractor
    trained_extractor_id: int | None
    problem: str = ""


def model_path(directory: str) -> Path:
    """A trained model's folder: its `directory` under CLAIMDESK_MODEL_DIR."""
    return Path(settings.CLAIMDESK_MODEL_DIR) / directory


def model_label(*, trained_extractor_id: int, finished_at: datetime) -> str:
    """What names a trained model in its extractor version: learned-<label>+rules-..."""
    return f"{trained_extractor_id}-{finished_at:%Y-%m-%d}"


def rules_extractor():
    from claims.extraction import get_extractor

    return get_extractor(settings.CLAIMDESK_SPACY_MODEL or None)


def learned_extractor(*, trained_extractor_id: int, directory: str, digest: str,
                      finished_at: datetime):
    """The trained model in `directory` on top of the rules; ValueError when its folder is
    missing, unreadable, or not the model that was trained (another digest)."""
    from claims.extraction.learned import LearnedExtractor, LearnedModel

    path = model_path(directory)
    if not directory or not path.is_dir():
        raise ValueError(f"its folder {path} does not exist")
    try:
        model = LearnedModel.load(path)
    except OSError as exc:
        raise ValueError(f"its folder {path} cannot be read: {exc}") from exc
    if digest and model.digest != digest:
        raise ValueError(f"the model in {path} is not the one trained (digest {model.digest}, "
                         f"expected {digest})")
    label = model_label(trained_extractor_id=trained_extractor_id, finished_at=finished_at)
    return LearnedExtractor(model, base=rules_extractor(), label=label)


_lock = threading.Lock()
_cached: tuple[tuple, ExtractorInUse] | None = None


def extractor_in_use() -> ExtractorInUse:
    """The extractor for the active model's row as it is now (one query), built once per
    process and row. A model that cannot be loaded leaves the rules alone in use, with a
    warning logged each time it is asked for (until fixed or replaced)."""
    global _cached
    row = (TrainedExtractor.objects.filter(active=True)
           .values_list("pk", "directory", "digest", "finished_at").first())
    key = (row, settings.CLAIMDESK_SPACY_MODEL)
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
        in_use = _build(row)
        if not in_use.problem:
            _cached = (key, in_use)
        return in_use


def current_extractor():
    """The extractor segmentation runs now (see extractor_in_use)."""
    return extractor_in_use().extractor


def _build(row: tuple | None) -> ExtractorInUse:
    if row is None:
        return ExtractorInUse(rules_extractor(), None)
    pk, directory, digest, finished_at = row
    try:
        extractor = learned_extractor(trained_extractor_id=pk, directory=directory,
                                      digest=digest, finished_at=finished_at)
    except ValueError as exc:
        problem = (f"The active trained model {pk} cannot be used ({exc}): the rules run "
                   "alone. Train again, or activate another model.")
        logger.warning(problem)
        return ExtractorInUse(rules_extractor(), pk, problem)
    return ExtractorInUse(extractor, pk)
