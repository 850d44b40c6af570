"""`manage.py seed_demo`: a realistic, fictional network for demonstrations and manual testing: two förbund
in two counties (Södra Norrbotten and Jämtlands län) over one national directory, the organisations and one
login per role (directory/demo.py), each förbund's calendar (events/demo.py) and its funded project with
participants (matchmaking/demo.py), each built with the apps' factories from its demo.toml. Ends with the
demo logins and the address of each förbund's portal.

Idempotent: running it again refreshes what it seeds and creates nothing twice. Refuses to run unless
settings.DEMO_MODE is true, because it creates accounts whose password is printed here and in the
documentation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory.demo import DATA, DEMO_PASSWORD, seed_directory
from directory.models import Forbund
from events.demo import seed_events
from matchmaking.demo import seed_matchmaking

# `make run` serves on port 8000; *.localhost names reach 127.0.0.1 in a browser (README, "Several förbund").
PORT = 8000


class Command(BaseCommand):
    help = "Create or refresh a fictional demo network (organisations, one login per role). DEMO_MODE only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "seed_demo refuses to run: DEMO_MODE is off. It creates accounts with a published password "
                "and must never run against production data. Set DEMO_MODE=true (it defaults to DEBUG) only "
                "on a demo or development instance."
            )

        with transaction.atomic():
            orgs, logins = seed_directory(self.stdout)

        summary = f"Demo network ready: {len(orgs)} organisations, {len(logins)} users."
        self.stdout.write(self.style.SUCCESS(summary))
        seed_events(self.stdout)  # the calendars' demo season
        seed_matchmaking(self.stdout)  # projects, participants, needs, opportunities, placements
        # Last, so that they are what the terminal shows when the server starts (`make run`).
        self._print_logins(logins)
        self._print_portals()

    # --- Output ------------------------------------------------------------------------------------------
    def _print_logins(self, logins: list[dict[str, str]]) -> None:
        headers = ("E-mail", "Password", "Role", "TOTP secret")
        rows = [(row["email"], DEMO_PASSWORD, row["role"], row["totp_secret"] or "-") for row in logins]
        widths = [max(len(str(r[i])) for r in (headers, *rows)) for i in range(len(headers))]

        def line(cells: tuple[str, ...]) -> str:
            padded = (str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))
            return "  ".join(padded).rstrip()

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        self.stdout.write(line(headers))
        self.stdout.write(line(tuple("-" * w for w in widths)))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write("")
        self.stdout.write(
            "Coordinators and officers must sign in with a one-time code: add their TOTP secret to an "
            "authenticator app (enter the key manually, time-based, 6 digits, 30 seconds)."
        )

    def _print_portals(self) -> None:
        """Each demo förbund's portal and, with several, the national front page."""
        forbund = Forbund.objects.filter(slug__in=[spec["slug"] for spec in DATA["forbund"]]).order_by("name")
        rows = [(f.name, f"http://{f.host or 'localhost'}:{PORT}/") for f in forbund]
        if len(rows) > 1:  # with one förbund there is no national host: every address is that förbund's
            rows.append(("National front page", f"http://localhost:{PORT}/"))
        width = max(len(name) for name, _url in rows)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Förbund portals"))
        for name, url in rows:
            self.stdout.write(f"{name.ljust(width)}  {url}")
