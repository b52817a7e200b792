"""Train the extractor on the desk's reviewed claims: queue a run for a worker, or run it here
with --sync and print its figures."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims import services
from claims.models import DEFAULT_HOLDOUT, TrainedExtractor


class Command(BaseCommand):
    help = (
        "Train the extractor's learned model on the desk's fully reviewed articles, hold back a "
        "fraction of them, and report precision, recall and F1 there beside the rules' own. "
        "The model is activated only if it beats the active one (the rules when none is), "
        "or with --force --user LEAD. Queued for a Celery worker unless --sync."
    )

    def add_arguments(self, parser):
        parser.add_argument("--holdout", type=float, default=DEFAULT_HOLDOUT,
                            help=f"fraction of reviewed articles held out, rounded to whole "
                                 f"articles (default {DEFAULT_HOLDOUT}; at least one held out "
                                 "and one left to learn from)")
        parser.add_argument("--force", action="store_true",
                            help="activate the new model whatever its figures (needs --user "
                                 "naming a lead)")
        parser.add_argument("--user", default=None, help="the username asking (recorded)")
        parser.add_argument("--sync", action="store_true",
                            help="train in this process and wait, instead of queuing a task")

    def handle(self, *args, **options):
        user = self._user(options["user"])
        if options["force"] and user is None:
            raise CommandError("--force needs --user naming a lead: who forces it is recorded.")
        try:
            run = services.trained_extractor_queue(
                created_by=user, holdout=options["holdout"], force=options["force"],
                queue=not options["sync"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if not options["sync"]:
            self.stdout.write(
                f"Training run {run.pk} queued. Follow it on /lead/extractor/ (its progress "
                "and figures), or in the worker's log; a worker must be running.")
            return
        self.stdout.write(f"Training run {run.pk}, in this process ...")
        run = services.trained_extractor_run(trained_extractor_id=run.pk)
        self.stdout.write(report(run))
        if run.status == TrainedExtractor.Status.FAILED:
            raise CommandError(f"Training run {run.pk} failed: {run.error}")

    def _user(self, username: str | None):
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}. Nothing was queued.")
        return user


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{100 * value:5.1f}"


def report(run: TrainedExtractor) -> str:
    """A finished run's figures as the command prints them."""
    if run.status != TrainedExtractor.Status.DONE:
        return f"Training run {run.pk}: {run.get_status_display().lower()}. {run.error}"
    lines = [
        f"Trained on {run.training_articles} articles ({run.training_attributions} "
        f"attributions); measured on {run.heldout_articles} held-out articles "
        f"({run.heldout_attributions} attributions).",
        "                       precision  recall     F1",
        f"  new model            {_pct(run.learned_precision)}      {_pct(run.learned_recall)}"
        f"  {_pct(run.learned_f1)}",
        f"  rules alone          {_pct(run.rules_precision)}      {_pct(run.rules_recall)}"
        f"  {_pct(run.rules_f1)}",
        f"  in use before        {_pct(run.baseline_precision)}      "
        f"{_pct(run.baseline_recall)}  {_pct(run.baseline_f1)}   {run.baseline_version}",
    ]
    if run.active:
        how = (f"forced by {run.activated_by}" if run.forced
               else "it beat the model active before")
        lines.append(f"Activated ({how}): segmentation now runs {run.version}.")
    else:
        lines.append("Not activated: it did not beat the model active before "
                     "(a lead may activate it on /lead/extractor/, or train with --force).")
    if run.error:
        lines.append(run.error)
    return "\n".join(lines)
