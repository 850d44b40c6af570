"""A walk of the embedded default (`make run`: SQLite, in-process tasks, the demo data), run as a program by
tests/test_embedded_walk.py after `migrate` and `seed_demo`, because the suite itself runs on PostgreSQL.

Every demo login, and a visitor, on the national host and on each förbund's host, starts at the home page and
follows the links the pages show it (GET only, same host; each path shape — the path with its numbers and
codes replaced — at most twice, with and without a query string). It prints one JSON object:
- "pages": how many pages were opened;
- "errors": each page that answered 500 or more ("who host path");
- "dead_links": each link a page showed that answered 400 or more, with the page it was on: a person is
  never shown a link to a page they may not open.

    DJANGO_SETTINGS_MODULE=asfnet.settings python -m tests.embedded_walk
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

if TYPE_CHECKING:
    from django.test import Client

SKIP = re.compile(r"^/(static|media)/|/logout/")
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


def walk(client: Client, host: str, who: str, report: dict) -> None:
    base = f"http://{host}/"
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
        links = _Links()
        links.feed(response.content.decode())
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


def main() -> int:
    import django

    django.setup()
    # Imported once Django is set up: this file runs as a program, outside the test run.
    from django.test import Client

    from directory.models import Forbund
    from kernel.models import User

    report: dict = {"pages": 0, "errors": [], "dead_links": []}
    hosts = ["localhost", *Forbund.objects.exclude(host="").order_by("host").values_list("host", flat=True)]
    people = [None, *User.objects.filter(email__endswith="@demo.asfnet.se", is_active=True).order_by("email")]
    for host in hosts:
        for person in people:
            client = Client(raise_request_exception=False)
            if person is not None:
                client.force_login(person)
            walk(client, host, person.email if person else "visitor", report)
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asfnet.settings")
    raise SystemExit(main())
