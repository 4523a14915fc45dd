"""Tabbing through a page with the keyboard alone, as a person without a mouse does."""

from __future__ import annotations

from .conftest import Visit

TAB_PATH = """() => {
  const el = document.activeElement;
  return el ? (el.getAttribute('href') ?? el.tagName + '#' + (el.id || '')) : null;
}"""


async def links_never_reached(visit: Visit) -> tuple[list[str], list[str], set[str]]:
    """The page's links, the tab stops in order, and the links no tab stop reached."""
    links = await visit.page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    reached: list[str] = []
    for _ in range(len(links) + 40):
        await visit.page.keyboard.press("Tab")
        reached.append(await visit.page.evaluate(TAB_PATH))
    return links, reached, set(links) - set(reached)
