"""The desk's roles as groups: every existing user becomes a reviewer, superusers also leads."""

from django.conf import settings
from django.db import migrations

ROLES = ("reviewer", "lead")  # claims.access.REVIEWER, LEAD (frozen here, as migrations are)


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    reviewer, _ = Group.objects.get_or_create(name="reviewer")
    lead, _ = Group.objects.get_or_create(name="lead")
    for user in User.objects.all():
        user.groups.add(reviewer)
        if user.is_superuser:
            user.groups.add(lead)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0005_sourcechange"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
