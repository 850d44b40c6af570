"""A walk of the embedded default (`make run`: SQLite, in-process tasks, the demo data), run as a program by
tests/test_embedded_walk.py after `migrate` and `seed_demo`, because the suite itself runs on PostgreSQL.

Every demo login, and a visitor, on the national host and on each förbund's host, starts at the home page and
follows the links the pages show it (same host; each path shape — the path with its numbers and codes replaced —
at most twice, with and without a query string). When every walk is done, each person sends back every POST
form the walk showed them (one of each action shape and set of fields) with the values the page filled in, as a
browser would; the forms of NOT_SENT are left out. It writes one JSON object to the file it is given (standard
output carries what the site prints, such as e-mails on the console):
- "pages" and "forms": how many pages were opened and forms sent;
- "errors": each page or form that answered 500 or more ("who host path status");
- "dead_links": each link a page showed that answered 400 or more, with the page it was on: a person is
  never shown a link to a page they may not open.

    DJANGO_SETTINGS_MODULE=asfnet.settings python -m tests.embedded_walk REPORT.json
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter, deque
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from tests.html_forms import Form, FormReader

if TYPE_CHECKING:
    from django.test import Client

SKIP = re.compile(r"^/(static|media)/|/logout/")
# Forms not sent: the rest of the walk would be anonymous or signed out (signing out, erasing one's own account,
# a new password or e-mail address, removing the second factor) or in another language (the language switch).
NOT_SENT = re.compile(r"^/(accounts/(logout|password|email|2fa|reauthenticate)|account/delete|i18n)/")
SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")
PER_SHAPE = 2


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def walk(client: Client, host: str, who: str, report: dict) -> list[Form]:
    """Follows the links from the home page; returns the POST forms of the pages it opened, one of each
    action shape and set of fields."""
    base = f"http://{host}/"
    forms: dict[tuple[str, tuple[str, ...]], Form] = {}
    queue: deque[tuple[str, str]] = deque([("/", "")])
    queued = {"/"}
    shapes: Counter[str] = Counter()
    while queue:
        path, source = queue.popleft()
        response = client.get(path, headers={"host": host})
        report["pages"] += 1
        if response.status_code >= 500:
            report["errors"].append(f"{who} {host} {path} {response.status_code}")
        elif response.status_code >= 400 and source:
            report["dead_links"].append(f"{who} {host} {path} {response.status_code} (linked from {source})")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        reader = FormReader(base + path.lstrip("/"))
        reader.feed(html)
        for form in reader.forms:
            action = urlsplit(form.action)
            if action.hostname == host and not NOT_SENT.search(action.path):
                forms.setdefault((SHAPE.sub("N", action.path), tuple(form.fields)), form)
        links = _Links()
        links.feed(html)
        for href in links.hrefs:
            url = urlsplit(urljoin(base + path.lstrip("/"), href))
            if url.scheme not in ("http", "https") or url.hostname != host or SKIP.search(url.path):
                continue
            target = urlunsplit(("", "", url.path, url.query, ""))
            shape = SHAPE.sub("N", url.path) + ("?" if url.query else "")
            if target in queued or shapes[shape] >= PER_SHAPE:
                continue
            shapes[shape] += 1
            queued.add(target)
            queue.append((target, path))
    return list(forms.values())


def send(client: Client, host: str, who: str, forms: list[Form], report: dict) -> None:
    for form in forms:
        action = urlsplit(form.action)
        path = urlunsplit(("", "", action.path, action.query, ""))
        response = client.post(path, form.filled, headers={"host": host})
        report["forms"] += 1
        if response.status_code >= 500:
            report["errors"].append(f"{who} {host} POST {path} {response.status_code}")


def main(out: str) -> int:
    import django

    django.setup()
    # Imported once Django is set up: this file runs as a program, outside the test run.
    from django.test import Client

    from directory.models import Forbund
    from kernel.models import User

    report: dict = {"pages": 0, "forms": 0, "errors": [], "dead_links": []}
    hosts = ["localhost", *Forbund.objects.exclude(host="").order_by("host").values_list("host", flat=True)]
    people = [None, *User.objects.filter(email__endswith="@demo.asfnet.se", is_active=True).order_by("email")]
    walks = []
    for host in hosts:
        for person in people:
            client = Client(raise_request_exception=False)
            if person is not None:
                client.force_login(person)
            who = person.email if person else "visitor"
            walks.append((client, host, who, walk(client, host, who, report)))
    for client, host, who, forms in walks:  # after every walk: a form sent may change what others see
        send(client, host, who, forms, report)
    with open(out, "w", encoding="utf-8") as file:
        json.dump(report, file)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asfnet.settings")
    raise SystemExit(main(sys.argv[1]))
