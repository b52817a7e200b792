"""Signals of the claims app.

- New accounts start as reviewers, however they are made (admin, createsuperuser, a script).
- article_segmented: sent when a segmentation run has stored its claims, inside that run's
  transaction (so a receiver's writes commit or roll back with it), with `article_id`. Apps
  that claims may not import (annotations' webhooks) listen to it.
"""

from django.contrib.auth.models import Group
from django.dispatch import Signal

from claims.access import REVIEWER


def give_new_users_the_reviewer_role(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        group, _ = Group.objects.get_or_create(name=REVIEWER)
        instance.groups.add(group)


article_segmented = Signal()
