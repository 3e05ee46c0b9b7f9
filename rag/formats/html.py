"""Visible text of an HTML page: block elements become line breaks, scripts and styles are dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _HTMLText(HTMLParser):
    """Collects visible text; block elements become line breaks."""

    # Not "head": its end tag is optional, and an unclosed skip would swallow the page.
    SKIP = frozenset({"script", "style", "noscript", "template", "title"})
    BLOCK = frozenset(
        {
            *("address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div"),
            *("dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3"),
            *("h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section"),
            *("summary", "table", "td", "th", "tr", "ul"),
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities are unescaped in handle_data
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0
        self.title = ""
        self.h1 = ""
        self._in: list[str] = []  # "title"/"h1" while inside one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        if tag in ("title", "h1"):
            self._in.append(tag)
        if tag == "pre":
            self.pre += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>: a break but never an open element (self-closing <script/> must not skip).
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "pre" and self.pre:
            self.pre -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if "title" in self._in and not self.title:
            self.title = data.strip()
        elif "h1" in self._in:
            self.h1 += data
        if self.skip:
            return
        # Outside <pre>, runs of HTML whitespace render as one space (a source line break is
        # not a break). Only ASCII whitespace: &nbsp; and the ideographic space are content.
        self.parts.append(data if self.pre else re.sub(r"[ \t\n\r\f]+", " ", data))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def extract_html(raw: str) -> tuple[str, str]:
    """The visible text of a decoded page and its title (``<title>``, else the first ``<h1>``)."""
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    return parser.text(), parser.title or parser.h1.strip()
