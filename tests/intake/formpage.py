"""The registration form's page read as a browser would send it."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Fields(HTMLParser):
    """What the page's form sends as it stands: text and hidden inputs, checked boxes, chosen options (a
    select with none chosen: its first), text areas (the submit buttons left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._chosen = False
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name"):
            if a.get("type") in {"checkbox", "radio"}:
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
            elif a.get("type") not in {"submit", "button"}:
                self._add(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
            self._chosen = False
            self.fields[a.get("name", "")] = []
        elif tag == "option" and self._select:
            if "selected" in a:
                self.fields[self._select] = [a.get("value", "")]
                self._chosen = True
            elif not self.fields[self._select] and not self._chosen:  # none chosen: the first is sent
                self._add(self._select, a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._add(a.get("name", ""), "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][-1] += data.removeprefix("\n")


def sent(page: str, **pressed: str) -> dict[str, Any]:
    """The page's registration form as the browser sends it, with the button `pressed` (name=value)."""
    form = page.split('<form method="post" class="kz-form"')[1].split("</form>")[0]
    parser = _Fields()
    parser.feed(form)
    fields: dict[str, Any] = {k: (v if len(v) != 1 else v[0]) for k, v in parser.fields.items()}
    fields = {k: ("" if v == [] else v) for k, v in fields.items()}
    return {**fields, **pressed}
