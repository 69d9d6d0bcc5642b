"""A contest's rules page (thể lệ): Markdown written by its organizers, shown as HTML.

markdown-it-py (CommonMark, plus tables) with raw HTML off: a ``<script>`` or ``<img onerror=...>`` in the text
is shown as text, and links with a dangerous scheme (``javascript:``, ``vbscript:``, ``file:``, most ``data:``)
are not made into links (markdown-it's ``validateLink``)."""
from __future__ import annotations

from markdown_it import MarkdownIt

RULES_MAX_CHARS = 100_000

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render(text: str) -> str:
    """The rules as safe HTML (nothing the author typed becomes markup other than Markdown's own). Headings
    move one level down (``#`` is an ``<h2>``): the page's own ``<h1>`` is the contest's title."""
    env: dict = {}
    tokens = _md.parse(text or "", env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return _md.renderer.render(tokens, _md.options, env)
