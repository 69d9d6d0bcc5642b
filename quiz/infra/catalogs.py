"""The translation catalogs (translations/LANG/LC_MESSAGES/messages.po): extraction of every msgid from the code
and the templates, the catalogs' update, and their compilation (the .mo files are built, not committed: the app
compiles a catalog whose .mo is missing or older than its .po when it starts)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent.parent
DIRECTORY = ROOT / "translations"
METHODS = [("quiz/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
TARGETS = ("en",)


def po_path(lang: str) -> Path:
    return DIRECTORY / lang / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every translatable text of the code and the templates, as a catalog of msgids (Vietnamese)."""
    catalog = Catalog(project="quiz", locale=None, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, comment_tags=("i18n:",), strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def missing(lang: str, template: Catalog | None = None) -> list[str]:
    """The msgids of the code that have no finished translation (absent, empty or fuzzy) in ``lang``."""
    template = template or extract()
    catalog = read(lang)
    out = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = found.string if found else None
        texts = strings if isinstance(strings, (list, tuple)) else [strings]
        if found is None or found.fuzzy or not all(texts):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def update(lang: str) -> list[str]:
    """Bring ``lang``'s catalog up to the code (new msgids added empty, gone ones made obsolete), compile it,
    and return the msgids still to translate."""
    template = extract()
    path = po_path(lang)
    catalog = read(lang) if path.exists() else Catalog(locale=lang, project="quiz")
    template.creation_date = catalog.creation_date  # no header change when nothing else changed (fewer conflicts)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=120, include_lineno=False, ignore_obsolete=True)
    compile_catalog(lang, force=True)
    return missing(lang, template)


def compile_catalog(lang: str, force: bool = False) -> bool:
    """Write the .mo of ``lang`` when it is missing or older than its .po; atomically (several workers)."""
    po = po_path(lang)
    mo = po.with_suffix(".mo")
    if not po.exists() or (not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
        return False
    catalog = read(lang)
    fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
    with os.fdopen(fd, "wb") as f:
        write_mo(f, catalog)
    os.chmod(tmp, 0o644)
    os.replace(tmp, mo)
    return True


def compile_all(logger=None) -> None:
    """Compile what is stale; a read-only checkout keeps the .mo it has (and says so)."""
    for lang in TARGETS:
        try:
            compile_catalog(lang)
        except OSError as exc:
            if logger:
                logger.warning("could not compile the %s catalog (%s): run `pybabel compile -d translations`",
                               lang, exc)
