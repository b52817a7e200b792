"""The article submit form: it validates and shapes input; the ingest service writes."""

from django import forms
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Article
from claims.validators import text_readable_validate


class ArticleSubmitForm(forms.Form):
    title = forms.CharField(max_length=services.article_field_limit("title"), required=False,
                            validators=[text_readable_validate],
                            help_text="Left empty, the first line of the text is used.")
    outlet = forms.CharField(max_length=services.article_field_limit("outlet"), required=False,
                             validators=[text_readable_validate])
    url = forms.URLField(max_length=services.article_field_limit("url"), required=False,
                         assume_scheme="https", label="URL")
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
        # A file too large is refused from its size, without reading it all into memory.
        return services.article_text_from_upload(
            data=upload.read(services.article_upload_size_limit() + 1), filename=upload.name,
            size=upload.size)

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
