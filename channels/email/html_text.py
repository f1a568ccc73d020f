"""An HTML e-mail body read as plain text, for a mail that has no plain part (EML1): what an
agent would read in a mail client, never the markup. The standard library's tolerant
html.parser is enough: paragraphs and line breaks become new lines, list items get a dash,
a link keeps its text and shows where it goes, scripts, styles and the head are not text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements that stand on their own lines.
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
})
# Blocks set apart by a blank line; the others start a new line.
PARAGRAPHS = frozenset({"blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ol", "p", "pre", "table", "ul"})
CELLS = frozenset({"td", "th"})  # a table row's cells stay on its line
# Elements whose content is not text to read.
SKIPPED = frozenset({"head", "script", "style", "template", "title", "noscript", "object", "svg", "math"})
# Elements that have no end tag.
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})
SHOWN_LINKS = ("http://", "https://", "mailto:")


class _Break(str):
    """A block's edge: breaks that meet fold into the larger (the end of one list item and
    the start of the next make one new line, not two)."""


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []  # the open skipped elements
        self.preformatted = 0
        self.links: list[tuple[str | None, int]] = []  # (href, where its text starts in `out`)

    def _break(self, tag: str) -> None:
        wanted = _Break("\n\n" if tag in PARAGRAPHS else "\n")
        if self.out and isinstance(self.out[-1], _Break):
            self.out[-1] = max(self.out[-1], wanted, key=len)
        else:
            self.out.append(wanted)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if self.skipping:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.out.append(f"[{alt}]")
        elif tag in CELLS:
            self.out.append(" ")
        elif tag in BLOCKS:
            self._break(tag)
            if tag == "li":
                self.out.append("- ")
        if tag == "pre":
            self.preformatted += 1
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            if tag in self.skipping:
                while self.skipping and self.skipping.pop() != tag:
                    pass
            return
        if self.skipping:
            return
        if tag == "pre" and self.preformatted:
            self.preformatted -= 1
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = _collapse("".join(self.out[start:])).strip()
            href = (href or "").strip()
            if href.lower().startswith(SHOWN_LINKS) and href.removeprefix("mailto:") not in text:
                self.out.append(f" ({href})")
        if tag in BLOCKS:
            self._break(tag)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.preformatted:
            self.out.append(data)
            return
        data = _collapse(data)
        if data != " " or not self.out or not isinstance(self.out[-1], _Break):  # layout between blocks
            self.out.append(data)


def _collapse(text: str) -> str:
    return re.sub(r"[ \t\r\n\f\v]+", " ", text)


def _tidy(text: str) -> str:
    lines = [line.strip(" ") for line in text.replace("\xa0", " ").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


FEED_CHARS = 65_536


def html_to_text(html: str, max_chars: int | None = None) -> str:
    """The text, at most `max_chars` of it: a long body is read only as far as needed."""
    collector = _TextCollector()
    for start in range(0, len(html), FEED_CHARS):
        collector.feed(html[start:start + FEED_CHARS])
        if max_chars is not None and sum(map(len, collector.out)) > 2 * max_chars:  # room for _tidy's folds
            break
    collector.close()
    text = _tidy("".join(collector.out))
    return text if max_chars is None else text[:max_chars]
