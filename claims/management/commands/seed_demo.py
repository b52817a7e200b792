from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from claims.access import LEAD
from claims.demo.articles import DEMO_ARTICLES
from claims.models import Article
from claims.services import article_create

DEMO_USERNAME = "reviewer"
DEMO_PASSWORD = "claimdesk-demo"  # noqa: S105 - a printed demo account, for local runs only
DEMO_ADMIN = "admin"
# A second reviewer (blind double review needs two) and a lead (adjudication, agreement).
DEMO_REVIEWER_2 = "reviewer2"
DEMO_LEAD = "lead"


class Command(BaseCommand):
    help = "Create the demo reviewer and admin accounts and the fictional demo articles."

    def handle(self, *args, **options):
        users = get_user_model()
        for username in (DEMO_USERNAME, DEMO_REVIEWER_2, DEMO_LEAD):
            user, created = users.objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if username == DEMO_LEAD:
                user.groups.add(Group.objects.get_or_create(name=LEAD)[0])
        admin, created = users.objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
        for item in DEMO_ARTICLES:
            article_create(
                title=item["title"], outlet=item["outlet"], url=item["url"],
                published_on=date.fromisoformat(item["published_on"]), text=item["text"],
                submitted_by=admin, submitted_via=Article.Via.DEMO,
            )
        self.stdout.write(self.style.SUCCESS(
            f"Demo accounts: reviewers {DEMO_USERNAME!r} and {DEMO_REVIEWER_2!r}, lead "
            f"{DEMO_LEAD!r} and admin {DEMO_ADMIN!r}, password {DEMO_PASSWORD!r}. "
            f"{len(DEMO_ARTICLES)} demo articles are loaded."
        ))
