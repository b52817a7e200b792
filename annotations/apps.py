from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Verdicts and review"

    def ready(self) -> None:
        from annotations.webhooks import on_article_segmented
        from claims.signals import article_segmented

        # claims never imports annotations: it announces the event, the webhooks listen.
        article_segmented.connect(on_article_segmented,
                                  dispatch_uid="annotations.webhooks.article_segmented")
