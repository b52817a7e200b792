from django.conf import settings
from django.core.checks import Error, register


@register()
def spacy_model_installed(app_configs, **kwargs):
    """Fail at start-up, not at the first article, when no spaCy model can be loaded."""
    from claims.extraction import ModelNotAvailable, resolve_model_name

    try:
        resolve_model_name(settings.CLAIMDESK_SPACY_MODEL or None)
    except ModelNotAvailable as exc:
        return [Error(str(exc), id="claims.E001",
                      hint="Install requirements.txt, or set CLAIMDESK_SPACY_MODEL.")]
    return []
