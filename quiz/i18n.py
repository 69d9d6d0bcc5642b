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


class Number(int):
    """A whole number in a ``Text``'s values that is written per language: ``100.000`` in Vietnamese (its
    ``str``), ``100,000`` in English (``quiz.web.locale.text`` formats it)."""

    def __str__(self) -> str:
        return f"{int(self):,}".replace(",", ".")


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


def vietnamese(message: str, **values) -> str:
    """The translator of the source language: the msgid itself, filled in. Whoever makes a file in another
    language passes a translator of the same shape (``flask_babel.gettext`` under ``force_locale``)."""
    return message % values if values else message


class Wording:
    """A language for a file made outside a page (a PDF, a mail): its translator and its number formats
    (Babel's CLDR data, pure Python). ``Wording()`` is Vietnamese; the web layer and the commands make others
    (``quiz.web.locale.wording``)."""

    def __init__(self, code: str = DEFAULT, tr=vietnamese):
        self.code, self.tr = code, tr

    def number(self, n) -> str:
        """15900 -> '15.900' (vi), '15,900' (en)."""
        from babel.numbers import format_decimal

        return format_decimal(n, locale=self.code)

    def decimal(self, x: float, digits: int = 2) -> str:
        """3.5 -> '3,50' (vi), '3.50' (en)."""
        from babel.numbers import format_decimal

        return format_decimal(x, format="#,##0." + "0" * digits, locale=self.code)

    def share(self, x: float) -> str:
        """0.159 -> '15,90%' (vi), '15.90%' (en)."""
        from babel.numbers import format_percent

        return format_percent(x, format="#,##0.00%", locale=self.code)
