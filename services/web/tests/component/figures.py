"""Reads the published figures back out of a page: every figure cell carries where it came from."""

from __future__ import annotations

from html.parser import HTMLParser


class FigureCells(HTMLParser):
    """Collects ``<td data-indicator=…>`` cells with their attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "td" and "data-indicator" in found:
            self._open = {**found, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open is not None:
            self._open["text"] = self._open["text"].strip()
            self.cells.append(self._open)
            self._open = None


def figure_cells(html: str) -> list[dict[str, str]]:
    parser = FigureCells()
    parser.feed(html)
    return parser.cells
