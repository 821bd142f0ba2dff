#!/usr/bin/env python3
"""Writes one element of an HTML page, by its id, as a page of its own with the original's
<head> (its styles): how scripts/demo renders a part of the report far down the page (IAM.19's
coverage charts) for the README's second screenshot, since headless chromium screenshots the
top of a page whatever its fragment.

Usage: html_section.py PAGE ID OUT
"""
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Finder(HTMLParser):
    """Finds the start and end offsets (in the page's text) of the element with `wanted` id."""

    def __init__(self, text: str, wanted: str) -> None:
        super().__init__(convert_charrefs=False)
        self.lines = [0]
        for line in text.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.wanted = wanted
        self.start: int | None = None
        self.end: int | None = None
        self.depth = 0

    def position(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.end is not None or tag in VOID:
            return
        if self.start is None:
            if dict(attrs).get("id") == self.wanted:
                self.start, self.depth = self.position(), 1
        else:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.start is None or self.end is not None or tag in VOID:
            return
        self.depth -= 1
        if self.depth == 0:
            self.end = self.position() + len(f"</{tag}>")


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    page, wanted, out = sys.argv[1:]
    with open(page, encoding="utf-8") as handle:
        text = handle.read()
    finder = Finder(text, wanted)
    finder.feed(text)
    if finder.start is None or finder.end is None:
        print(f"{page}: no element with id {wanted!r}", file=sys.stderr)
        return 1
    head_end = text.find("</head>")
    if head_end < 0:
        print(f"{page}: no </head>", file=sys.stderr)
        return 1
    section = text[finder.start:finder.end]
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(f"{text[:head_end]}</head><body>{section}</body></html>\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
