"""Attributed-claim extraction: text in, (source, cue, content) attributions out.

Pure Python on top of spaCy; no Django import, so it runs in scripts, workers and benches.
"""

from .attribution import KINDS, Attribution
from .extractor import (
    EXTRACTOR_VERSION,
    ExtractionTimeout,
    Extractor,
    doc_attributions,
    get_extractor,
)
from .model import ModelNotAvailable, resolve_model_name
from .sources import SOURCE_KINDS

__all__ = [
    "EXTRACTOR_VERSION",
    "KINDS",
    "SOURCE_KINDS",
    "Attribution",
    "ExtractionTimeout",
    "Extractor",
    "ModelNotAvailable",
    "doc_attributions",
    "get_extractor",
    "resolve_model_name",
]
