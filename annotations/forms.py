"""Forms of the review screens: they validate and shape input; the services write."""

from django import forms
from django.core.exceptions import ValidationError

from annotations import consensus, webhooks
from annotations.models import FinalVerdict, Verdict, Webhook
from annotations.services import MAX_EVIDENCE_LINKS, evidence_links_clean
from annotations.widgets import PYTHON_WIDGETS
from claims import services as claim_services
from claims.models import Claim, Source, Span
from claims.validators import text_readable_validate

CHECK_CHOICES = [("", "Not checked"), ("yes", "Right"), ("no", "Wrong")]


def _tristate(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def tristate_initial(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")


class VerdictForm(forms.Form):
    default_renderer = PYTHON_WIDGETS  # rendered on every panel: annotations.widgets
    label = forms.ChoiceField(
        choices=Verdict.Label.choices,
        error_messages={"required": "Pick a label: 1 confirmed, 2 contested, 3 unverifiable."},
    )
    rationale = forms.CharField(required=False, max_length=10_000,
                                validators=[text_readable_validate],
                                widget=forms.Textarea(attrs={"rows": 2}))
    evidence_links = forms.CharField(
        required=False, label="Evidence links",
        help_text=f"One http(s) link per line, up to {MAX_EVIDENCE_LINKS}.",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false",
                                     "placeholder": "https://…"}),
    )
    source_correct = forms.TypedChoiceField(choices=CHECK_CHOICES, coerce=_tristate,
                                            empty_value=None, required=False,
                                            label="Who said it", widget=forms.RadioSelect)
    content_correct = forms.TypedChoiceField(choices=CHECK_CHOICES, coerce=_tristate,
                                             empty_value=None, required=False,
                                             label="What was said", widget=forms.RadioSelect)
    expected_revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    # The claim's attribution_version the page showed: a verdict judges those words.
    claim_version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def clean_evidence_links(self) -> list[str]:
        return evidence_links_clean(self.cleaned_data["evidence_links"].splitlines())

    @property
    def checks(self) -> list:
        """The bound fields of the two right/wrong checks, in the order the panel shows them
        (the template named them by looping over every field)."""
        return [self["source_correct"], self["content_correct"]]

    @classmethod
    def for_verdict(cls, verdict: Verdict | None, *, claim_version: int,
                    **kwargs) -> "VerdictForm":
        if verdict is None:
            return cls(initial={"expected_revision": 0, "claim_version": claim_version},
                       **kwargs)
        return cls(initial={
            "claim_version": claim_version,
            "label": verdict.label,
            "rationale": verdict.rationale,
            "evidence_links": "\n".join(verdict.evidence_links),
            "source_correct": tristate_initial(verdict.source_correct),
            "content_correct": tristate_initial(verdict.content_correct),
            "expected_revision": verdict.revision,
        }, **kwargs)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _find_nearest(text: str, fragment: str, near: int | None,
                  field: str | None = None) -> tuple[int, int]:
    """The occurrence of `fragment` in `text` closest to offset `near` (the only one if
    `near` is None). `field` names it in a message; leave it out for an error added to a form
    field, which the page already shows under that field's label."""
    named = f"{field}: " if field else ""
    fragment = fragment.strip()
    if not fragment:
        raise ValidationError(f"{named}type the exact text.")
    starts, at = [], text.find(fragment)
    while at != -1:
        starts.append(at)
        at = text.find(fragment, at + 1)
    if not starts:
        raise ValidationError(f"{named}“{fragment}” does not occur in the article text.")
    if near is None and len(starts) > 1:
        raise ValidationError(
            f"{named}“{fragment}” occurs {len(starts)} times; type a longer passage or give "
            "start and end offsets."
        )
    start = min(starts, key=lambda s: abs(s - near)) if near is not None else starts[0]
    return start, start + len(fragment)


class SelectionForm(forms.Form):
    """A stretch of the article text: start/end offsets (code points, as the page's script
    sends them) or, without a script, the exact text."""

    start = forms.IntegerField(required=False, min_value=0, label="Start offset")
    end = forms.IntegerField(required=False, min_value=0, label="End offset")
    text = forms.CharField(required=False, strip=False, label="Exact text",
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, article_text: str, near: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article_text, self.near = article_text, near

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None:
            if end < start:
                raise ValidationError(f"The selection [{start}, {end}] ends before it starts: "
                                      "select the text again.")
            if end == start:
                raise ValidationError(f"The selection [{start}, {end}] is empty: select at "
                                      "least one character.")
            if end > len(self.article_text):
                raise ValidationError(
                    f"The selection [{start}, {end}] is outside the article text "
                    f"(0 to {len(self.article_text)})."
                )
            start, end = _trim(self.article_text, start, end)
            if start == end:
                raise ValidationError("The selection is only white space.")
        elif (data.get("text") or "").strip():
            start, end = _find_nearest(self.article_text, data["text"], self.near, "Selection")
        else:
            raise ValidationError("Select some of the article text first (or type it exactly).")
        data["span"] = (start, end)
        return data


class ClaimSpansForm(SelectionForm):
    # Enter in one of the form's fields sends its first button, which names no role: the text
    # is then set as nothing, rather than silently as the claim's source.
    CHOOSE_ROLE = "Choose whether this text is the source, the cue or the content."

    role = forms.ChoiceField(choices=Span.Role.choices, required=False)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def clean(self):
        if "role" not in self.errors and not self.cleaned_data.get("role"):
            raise ValidationError(self.CHOOSE_ROLE)
        return super().clean()


class ClaimAddForm(SelectionForm):
    """A missed claim: the selection is its content; cue and source are typed and found
    nearest to it."""

    default_renderer = PYTHON_WIDGETS  # rendered on every article page: annotations.widgets
    cue = forms.CharField(max_length=300, label="Cue (exact text)",
                          help_text="The reporting verb or phrase, e.g. said.")
    source = forms.CharField(max_length=300, required=False, label="Source (exact text)")
    kind = forms.ChoiceField(choices=Claim.Kind.choices, initial=Claim.Kind.INDIRECT)

    def clean(self):
        data = super().clean()
        if "span" not in data:
            return data
        near = data["span"][0]
        for field in ("cue", "source"):
            if (data.get(field) or "").strip():
                try:
                    data[f"{field}_span"] = _find_nearest(self.article_text, data[field], near)
                except ValidationError as exc:
                    self.add_error(field, exc)
        return data


class ClaimVersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ClaimSourceForm(ClaimVersionForm):
    ACTIONS = [("set", "Use for this claim"), ("merge", "Merge this claim's source into it")]

    name = forms.CharField(max_length=300, label="Existing source entity")
    action = forms.ChoiceField(choices=ACTIONS)

    def clean_name(self):
        name = self.cleaned_data["name"]
        source = claim_services.source_by_name(name)
        if source is None:
            raise ValidationError(f"No source entity is called “{name}” (name or alias).")
        return source


class SourceEditForm(forms.Form):
    """Rename a source entity or set its kind, for the whole desk."""

    name = forms.CharField(max_length=300, label="Entity name",
                           validators=[text_readable_validate])
    kind = forms.ChoiceField(choices=Source.Kind.choices, label="Kind")
    claim = forms.IntegerField(widget=forms.HiddenInput, required=False)


class _ReviewerChoiceField(forms.ModelMultipleChoiceField):
    """Ids past a 64-bit integer are refused as unknown reviewers before they reach the
    database: Django checks the chosen ids with an `in` lookup, which SQLite cannot take such
    an integer in (an OverflowError, a 500)."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk).strip())
            except ValueError:
                continue  # the parent field names it as not a reviewer
            if not -(2**63) <= number < 2**63:
                raise ValidationError(self.error_messages["invalid_choice"],
                                      code="invalid_choice", params={"value": pk})
        return super()._check_values(value)


class AssignmentForm(forms.Form):
    """The reviewers a lead assigns an article to (every checked one; none clears them)."""

    reviewers = _ReviewerChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Reviewers",
        error_messages={"invalid_choice": "%(value)s is not a reviewer of this desk.",
                        "invalid_pk_value": "“%(pk)s” is not a reviewer of this desk."})
    reason = forms.CharField(required=False, max_length=200, label="Reason (optional)",
                             validators=[text_readable_validate])

    def __init__(self, *args, **kwargs):
        from annotations.assignment import reviewers_to_assign

        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = reviewers_to_assign()


class AdjudicationForm(forms.Form):
    """A lead's final verdict on a disagreement; annotations.consensus checks the rest."""

    label = forms.ChoiceField(
        choices=Verdict.Label.choices, label="Final label",
        error_messages={"required": "Pick the final label.",
                        "invalid_choice": "Unknown label: use confirmed, contested or "
                                          "unverifiable."})
    reason_code = forms.ChoiceField(
        choices=FinalVerdict.Reason.choices, label="Reason",
        error_messages={"required": "Pick a reason for the decision.",
                        "invalid_choice": "Unknown reason: use one from the list."})
    reason = forms.CharField(required=False, label="Explanation",
                             max_length=consensus.MAX_REASON_CHARS,
                             validators=[text_readable_validate],
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Required for a guideline gap: say which.")
    token = forms.CharField(widget=forms.HiddenInput,
                            error_messages={"required": "The form lost track of the verdicts "
                                                        "it showed: reload the page."})

    def clean(self):
        data = super().clean()
        if "label" in data and "reason_code" in data:
            try:
                data["reason"] = consensus.adjudication_clean(
                    label=data["label"], reason_code=data["reason_code"],
                    reason=data.get("reason", ""))
            except ValidationError as exc:
                self.add_error("reason", exc)
        return data


class ReopenForm(forms.Form):
    reason = forms.CharField(label="Why reopen", max_length=consensus.MAX_REASON_CHARS,
                             validators=[text_readable_validate],
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Say why the final verdict is "
                                                         "reopened."})


class WebhookForm(forms.Form):
    """A webhook to register; the checks are annotations.webhooks' own."""

    url = forms.CharField(
        label="URL", required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/claimdesk-events",
                                     "maxlength": 2000, "spellcheck": "false"}))
    description = forms.CharField(
        label="What it is for", required=False, max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. the newsroom's publishing tool"}))
    events = forms.MultipleChoiceField(
        choices=Webhook.Event.choices, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Unknown event: pick from the list."})

    def clean_url(self) -> str:
        return webhooks.webhook_url_validate(self.cleaned_data["url"])

    def clean_events(self) -> list[str]:
        return webhooks.webhook_events_validate(self.cleaned_data["events"])
