from django.conf import settings
from django.core.checks import Error, Warning, register


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


@register()
def visibility_timeout_outlasts_a_segmentation(app_configs, **kwargs):
    """Redis hands an unacknowledged message to another worker after the visibility timeout:
    shorter than a segmentation can legitimately hold its message (a run to its hard time
    limit, after waiting out its longest retry countdown), and work still in progress is
    handed out again, each copy costing one of the article's attempts."""
    from claims.tasks import segment_article

    if not str(settings.CELERY_BROKER_URL).startswith(("redis://", "rediss://")):
        return []
    needed = segment_article.time_limit + segment_article.retry_backoff_max
    if needed < settings.CLAIMDESK_VISIBILITY_TIMEOUT:
        return []
    return [Warning(
        f"CLAIMDESK_VISIBILITY_TIMEOUT is {settings.CLAIMDESK_VISIBILITY_TIMEOUT} s; a "
        f"segmentation may hold its message for up to {needed} s.", id="claims.W002",
        hint=f"Set CLAIMDESK_VISIBILITY_TIMEOUT above {needed}, or lower "
             "CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT.")]
