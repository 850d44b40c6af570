"""The POST forms of an HTML page as a browser would send them back: tests/test_form_fuzz.py sends them with
hostile values, tests/embedded_walk.py with the values the page filled in."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass
class Form:
    action: str
    fields: list[str] = field(default_factory=list)
    filled: dict[str, str] = field(default_factory=dict)


class FormReader(HTMLParser):
    """The POST forms of a page: their action, the names of their fields (file inputs left out) and the values
    the page filled in (text inputs' value, checked boxes, selected options, text areas' text)."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            posted = a.get("method", "get").lower() == "post"
            self._form = Form(urljoin(self.page_url, a.get("action") or self.page_url)) if posted else None
            if self._form:
                self.forms.append(self._form)
            return
        name = a.get("name")
        if self._form is None or not name or name == "csrfmiddlewaretoken":
            if tag == "option" and self._form is not None and self._select and "selected" in a:
                self._form.filled.setdefault(self._select, a.get("value", ""))
            return
        kind = a.get("type", tag).lower()
        if tag not in ("input", "select", "textarea") or kind == "file":
            return
        if name not in self._form.fields:
            self._form.fields.append(name)
        if tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self._form.filled[name] = ""
        elif kind in ("checkbox", "radio"):
            if "checked" in a:
                self._form.filled.setdefault(name, a.get("value") or "on")
        elif kind != "submit":
            self._form.filled[name] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.filled[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
