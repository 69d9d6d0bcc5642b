"""Languages, pure Python (the domain may import it): the source language is Vietnamese, and its texts are the
catalogs' msgids. ``N_`` marks a Vietnamese text for extraction without translating it: the domain raises
``DomainError`` with the Vietnamese text, and the web layer looks it up in the catalog of the request's
language (``quiz.web.locale``)."""
from __future__ import annotations

LANGUAGES = ("vi", "en")
DEFAULT = "vi"


def N_(text: str) -> str:
    """Mark ``text`` for the catalogs; return it unchanged."""
    return text


def language_or_default(value: str | None) -> str:
    """A supported language code from ``value`` ('en', 'EN', 'en-GB'), else the default."""
    code = (value or "").strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT


class Text(str):
    """A Vietnamese text made from a msgid and values (``Text(N_("từ %(n)s ký tự"), n=5)``): a plain ``str`` for
    whoever reads it as it is (the command line, the logs), which keeps its msgid and values so the web layer
    can say it in another language."""

    template: str
    values: dict

    def __new__(cls, template: str, **values):
        text = super().__new__(cls, template % values if values else template)
        text.template, text.values = template, values
        return text
