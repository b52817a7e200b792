"""New accounts start as reviewers, however they are made (admin, createsuperuser, a script)."""

from django.contrib.auth.models import Group

from claims.access import REVIEWER


def give_new_users_the_reviewer_role(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        group, _ = Group.objects.get_or_create(name=REVIEWER)
        instance.groups.add(group)
