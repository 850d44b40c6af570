"""The demo network of `manage.py seed_demo`: the two förbund, the organisations and the one login per role of
directory/demo.toml, built with the directory's factories.

Idempotent: förbund are keyed on their slug, organisations on orgnr, users and their e-mail addresses on the
e-mail address, memberships on (user, organisation). Running it again resets the seeded fields and passwords to
the demo values and creates nothing twice."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt

from directory.factories import ForbundFactory, MembershipFactory, OrganisationFactory, centre
from directory.forbund.registry import registry
from directory.models import Forbund, Municipality, Organisation, OrganisationKind, ServiceCategory, SupportOffered
from directory.search import reindex
from kernel.factories import UserFactory, seeding
from kernel.identifiers import format_orgnr, normalise_orgnr
from kernel.models import User

DEMO_PASSWORD = "demo-asfnet-2026"  # published on purpose; DEMO_MODE only
DATA = tomllib.loads((Path(__file__).resolve().parent / "demo.toml").read_text(encoding="utf-8"))
# The demo coordinator of each förbund: slug → e-mail address.
COORDINATORS: dict[str, str] = {
    spec["coordinator_of"]: spec["email"] for spec in DATA["login"] if "coordinator_of" in spec
}

# Words in a demo organisation's name or description → service category slugs.
SERVICE_WORDS = {
    "återbruk": "aterbruk",
    "second hand": "aterbruk",
    "café": "cafe-restaurang",
    "lunch": "cafe-restaurang",
    "catering": "catering",
    "städ": "stad",
    "tvätt": "tvatt",
    "trädgård": "tradgard-skog",
    "snickeri": "snickeri",
    "fastighet": "fastighetsskotsel",
    "montering": "montering",
    "transport": "transport",
    "flytt": "transport",
}


def demo_forbund(slug: str) -> Forbund | None:
    """The förbund with this slug as the registry holds it (with the area and coordinators that actor_for
    reads), or None when it is not there."""
    return next((forbund for forbund in registry().forbund if forbund.slug == slug), None)


def _centre(kommunkod: str, offset: float) -> tuple[Decimal, Decimal]:
    """Near the town centre: directory/demo.toml's [centre] outside Norrbotten, the factories' table inside."""
    if kommunkod in DATA["centre"]:
        lat, lon = DATA["centre"][kommunkod]
        return Decimal(str(round(lat + offset, 6))), Decimal(str(round(lon - offset, 6)))
    return centre(kommunkod, offset)


def _organisation_fields(spec: dict[str, Any]) -> dict[str, Any]:
    """The table's values, coordinates spread around the town centre (so map markers do not overlap) and,
    for an ASF, placements, size and support derived from the organisation number. Not the municipalities
    served (a many-to-many relation, set by _organisation)."""
    orgnr = normalise_orgnr(spec["orgnr"])  # raises on a typo in the table
    fields = {
        "description_sv": "",
        "description_en": "",
        "website": "",
        **{key: value for key, value in spec.items() if key != "municipalities_served"},
        "orgnr": orgnr,
        "published": True,
    }
    fields["latitude"], fields["longitude"] = _centre(spec["kommunkod"], (int(orgnr[-3:]) % 17 - 8) / 400)
    if spec["kind"] == OrganisationKind.ASF:
        fields.update(
            takes_placements=True,
            placement_capacity=2 + int(orgnr[-1]) % 5,
            employees=5 + int(orgnr[-2:]) % 40,
            support_offered=[SupportOffered.SUPERVISION, SupportOffered.ADAPTED_TASKS, SupportOffered.FLEXIBLE_HOURS],
        )
    return fields


def _organisation(spec: dict[str, Any], stdout: Any) -> Organisation:
    fields = _organisation_fields(spec)
    created = not Organisation.objects.filter(orgnr=fields["orgnr"]).exists()
    org = seeding(OrganisationFactory, "orgnr")(**fields)
    text = f"{org.name} {org.description_sv}".lower()
    slugs = {slug for word, slug in SERVICE_WORDS.items() if word in text}
    if org.kind == OrganisationKind.ASF:
        slugs.add("arbetstraning")
    org.services.set(ServiceCategory.objects.filter(slug__in=slugs))
    if "municipalities_served" in spec:
        org.municipalities_served.set(Municipality.objects.filter(code__in=spec["municipalities_served"]))
    if created:
        stdout.write(f"  created organisation {format_orgnr(org.orgnr)} {org.name}")
    return org


def _forbund(spec: dict[str, Any], stdout: Any) -> Forbund:
    fields = dict(spec)
    codes = fields.pop("municipalities")
    created = not Forbund.objects.filter(slug=fields["slug"]).exists()
    forbund = seeding(ForbundFactory, "slug")(municipalities=codes, **fields)
    forbund.municipalities.set(Municipality.objects.filter(code__in=codes))
    if created:
        stdout.write(f"  created förbund {forbund.name}")
    return forbund


def _login(spec: dict[str, Any], organisation: Organisation, stdout: Any) -> dict[str, str]:
    email = spec["email"].lower()
    created = not User.objects.filter(email=email).exists()
    coordinator_of = spec.get("coordinator_of")
    user = seeding(UserFactory, "email")(
        email=email,
        full_name=spec["full_name"],
        preferred_language=spec.get("preferred_language", "sv"),
        is_staff=bool(coordinator_of),
        is_active=True,
        password=DEMO_PASSWORD,
    )  # with a verified, primary address: the demo user can log in at once
    if created:
        stdout.write(f"  created user {email}")
    # A demo coordinator coordinates exactly the förbund of their entry; everyone else none.
    user.coordinated_forbund.set(Forbund.objects.filter(slug=coordinator_of) if coordinator_of else [])
    seeding(MembershipFactory, "user", "organisation")(
        user=user, organisation=organisation, role=spec["membership_role"]
    )
    secret = _totp(user, spec["totp_secret"]) if spec.get("totp_secret") else ""
    return {"email": email, "role": spec["role_label"], "organisation": organisation.name, "totp_secret": secret}


def _totp(user: User, secret: str) -> str:
    """Activate TOTP with the fixed demo secret unless the user already has an authenticator; return the
    secret actually in use (an earlier run, or the user, may have set up another one)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is None:
        TOTP.activate(user, secret)
        return secret
    return decrypt(existing.data["secret"])


def seed_directory(stdout: Any) -> tuple[list[Organisation], list[dict[str, str]]]:
    """Create or refresh the demo organisations and logins; return them (the logins as printable rows).
    Call inside a transaction."""
    for spec in DATA["forbund"]:
        _forbund(spec, stdout)
    orgs = {normalise_orgnr(spec["orgnr"]): _organisation(spec, stdout) for spec in DATA["organisation"]}
    logins = [_login(spec, orgs[normalise_orgnr(spec["organisation_orgnr"])], stdout) for spec in DATA["login"]]
    reindex([org.pk for org in orgs.values()])
    return list(orgs.values()), logins
