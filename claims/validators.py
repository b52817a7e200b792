"""Checks on text typed into a form, shared by every form that stores free text."""

from django.core.exceptions import ValidationError

REPLACEMENT_CHARACTER = "\ufffd"


def text_readable_validate(value, *, what: str = "This text",
                           hint: str = "Type or paste it again from the original.") -> None:
    """Refuse text in which U+FFFD stands for bytes that could not be read.

    Django decodes form fields with errors="replace", so bytes that were not UTF-8 arrive as
    U+FFFD and the raw bytes are gone by the time a form sees them. Typed or pasted by a person,
    U+FFFD only ever stands where text was already lost, so it is refused rather than stored.
    """
    if isinstance(value, str) and REPLACEMENT_CHARACTER in value:
        raise ValidationError(
            f"{what} is not valid UTF-8: it contains {REPLACEMENT_CHARACTER} (U+FFFD) where "
            "characters could not be read, so some of the original text is missing; nothing "
            f"was saved. {hint}"
        )
