from django import forms

from annotations.models import Verdict
from annotations.services import MAX_EVIDENCE_LINKS, evidence_links_clean

CHECK_CHOICES = [("", "Not checked"), ("yes", "Right"), ("no", "Wrong")]


def _tristate(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def tristate_initial(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")


class VerdictForm(forms.Form):
    label = forms.ChoiceField(
        choices=Verdict.Label.choices,
        error_messages={"required": "Pick a label: 1 confirmed, 2 contested, 3 unverifiable."},
    )
    rationale = forms.CharField(required=False, max_length=10_000,
                                widget=forms.Textarea(attrs={"rows": 2}))
    evidence_links = forms.CharField(
        required=False, label="Evidence links",
        help_text=f"One http(s) link per line, up to {MAX_EVIDENCE_LINKS}.",
        widget=forms.Textarea(attrs={"rows": 1, "spellcheck": "false",
                                     "placeholder": "https://…"}),
    )
    source_correct = forms.TypedChoiceField(choices=CHECK_CHOICES, coerce=_tristate,
                                            empty_value=None, required=False,
                                            label="Who said it", widget=forms.RadioSelect)
    content_correct = forms.TypedChoiceField(choices=CHECK_CHOICES, coerce=_tristate,
                                             empty_value=None, required=False,
                                             label="What was said", widget=forms.RadioSelect)
    expected_revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def clean_evidence_links(self) -> list[str]:
        return evidence_links_clean(self.cleaned_data["evidence_links"].splitlines())

    @classmethod
    def for_verdict(cls, verdict: Verdict | None, **kwargs) -> "VerdictForm":
        if verdict is None:
            return cls(initial={"expected_revision": 0}, **kwargs)
        return cls(initial={
            "label": verdict.label,
            "rationale": verdict.rationale,
            "evidence_links": "\n".join(verdict.evidence_links),
            "source_correct": tristate_initial(verdict.source_correct),
            "content_correct": tristate_initial(verdict.content_correct),
            "expected_revision": verdict.revision,
        }, **kwargs)
