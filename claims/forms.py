"""Forms of the reviewer UI: they validate and shape input; the services write."""

from django import forms
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Article, Claim, Span


class ArticleSubmitForm(forms.Form):
    title = forms.CharField(max_length=500, required=False,
                            help_text="Left empty, the first line of the text is used.")
    outlet = forms.CharField(max_length=200, required=False)
    url = forms.URLField(max_length=2000, required=False, assume_scheme="https")
    published_on = forms.DateField(required=False, label="Published on",
                                   widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(required=False, strip=False, label="Text (paste)",
                           widget=forms.Textarea(attrs={"rows": 14}))
    upload = forms.FileField(required=False, label="…or upload a .txt file",
                             widget=forms.ClearableFileInput(attrs={"accept": ".txt,text/plain"}))

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            return None
        if not upload.name.lower().endswith(".txt"):
            raise ValidationError(f"{upload.name} is not a .txt file; upload plain text.")
        return services.article_text_from_upload(data=upload.read(), filename=upload.name)

    def clean(self):
        data = super().clean()
        text, uploaded = data.get("text") or "", data.get("upload")
        if self.has_error("upload"):
            return data
        if text.strip() and uploaded:
            raise ValidationError("Paste the text or upload a file, not both.")
        if uploaded:
            data["text"], data["via"] = uploaded, Article.Via.UPLOAD
        elif text.strip():
            services.article_text_from_paste(text)
            data["via"] = Article.Via.WEB
        else:
            self.add_error("text", "Paste the article text or upload a .txt file.")
        return data


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _find_nearest(text: str, fragment: str, near: int | None, field: str) -> tuple[int, int]:
    """The occurrence of `fragment` in `text` closest to offset `near` (the only one if
    `near` is None)."""
    fragment = fragment.strip()
    if not fragment:
        raise ValidationError(f"{field}: type the exact text.")
    starts, at = [], text.find(fragment)
    while at != -1:
        starts.append(at)
        at = text.find(fragment, at + 1)
    if not starts:
        raise ValidationError(f"{field}: “{fragment}” does not occur in the article text.")
    if near is None and len(starts) > 1:
        raise ValidationError(
            f"{field}: “{fragment}” occurs {len(starts)} times; type a longer passage or give "
            "start and end offsets."
        )
    start = min(starts, key=lambda s: abs(s - near)) if near is not None else starts[0]
    return start, start + len(fragment)


class SelectionForm(forms.Form):
    """A stretch of the article text: start/end offsets (code points, as the page's script
    sends them) or, without a script, the exact text."""

    start = forms.IntegerField(required=False, min_value=0)
    end = forms.IntegerField(required=False, min_value=0)
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
            if not start < end <= len(self.article_text):
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
    role = forms.ChoiceField(choices=Span.Role.choices)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ClaimAddForm(SelectionForm):
    """A missed claim: the selection is its content; cue and source are typed and found
    nearest to it."""

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
                    data[f"{field}_span"] = _find_nearest(self.article_text, data[field], near,
                                                          field.capitalize())
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
        source = services.source_by_name(name)
        if source is None:
            raise ValidationError(f"No source entity is called “{name}” (name or alias).")
        return source
