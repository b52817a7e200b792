from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Articles and claims"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from claims import checks  # noqa: F401  (registers the spaCy model check)
        from claims.signals import give_new_users_the_reviewer_role

        post_save.connect(give_new_users_the_reviewer_role, sender=settings.AUTH_USER_MODEL,
                          dispatch_uid="claims.new_users_are_reviewers")
