"""Factories of the directory: organisations, memberships, certifications; and the realistic organisations of
Norrbotten that the `norrbotten` trait, the benchmark (`make bench`) and its import file are made of (their
words and numbers are in directory/data/norrbotten.toml).

`OrganisationFactory()` is a published ASF in Luleå with a running name ("Organisation 12") that no search in a
test matches by chance; `OrganisationFactory(norrbotten=True)` is a realistic one (a weighted kind and
municipality, a name and a Swedish description from its services, address, phone, coordinates, placements,
services, municipalities served and certifications). `organisation_rows()` gives the same as plain dicts,
deterministic for a seed, for bulk inserts and import files. Organisation numbers are invented: valid form and
Luhn check digit, not taken from the register."""

from __future__ import annotations

import datetime as dt
import random
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import factory
import factory.random
from django.utils import timezone

from directory.models import (
    Certification,
    CertificationKind,
    CertificationStatus,
    Forbund,
    Membership,
    MembershipRole,
    Municipality,
    Organisation,
    OrganisationKind,
    ServiceCategory,
    SupportOffered,
)
from kernel.factories import UserFactory
from kernel.identifiers import luhn_ok


def luhn_check_digit(body: str) -> str:
    """The digit that makes `body + digit` pass the Luhn check."""
    return next(digit for digit in "0123456789" if luhn_ok(body + digit))


def make_orgnr(prefix: str, n: int) -> str:
    """A valid 10-digit organisationsnummer: a 3-digit prefix (third digit ≥ 2: 556 aktiebolag, 769 ekonomisk
    förening, 802 ideell förening, 212 kommun, 202 statlig myndighet, 232 region), a 6-digit running number
    and the Luhn check digit. Invented numbers of valid form, not taken from the register."""
    if not (len(prefix) == 3 and prefix.isdigit() and int(prefix[2]) >= 2):
        raise ValueError(f"bad orgnr prefix {prefix!r}")
    if not 0 <= n <= 999_999:
        raise ValueError("running number out of range")
    body = f"{prefix}{n:06d}"
    return body + luhn_check_digit(body)


_WORDS = tomllib.loads((Path(__file__).resolve().parent / "data" / "norrbotten.toml").read_text(encoding="utf-8"))
# code: (name, weight ≈ population share, latitude, longitude, postal code prefix, phone area code)
KOMMUNER: dict[str, tuple[str, float, float, float, str, str]] = {
    code: (m["name"], m["weight"], m["latitude"], m["longitude"], m["postal"], m["area_code"])
    for code, m in _WORDS["kommun"].items()
}
# kind: (weight, orgnr prefixes)
KINDS: dict[str, tuple[float, tuple[str, ...]]] = {
    kind: (k["weight"], tuple(k["orgnr_prefixes"])) for kind, k in _WORDS["kind"].items()
}
# service slug: {"stems": [...], "sv": ..., "en": ..., "sni": ...}
SERVICE_TEXTS: dict[str, dict[str, Any]] = _WORDS["service"]
SUPPORT_OFFERED = tuple(SupportOffered.values)
_KIND_SENTENCES_SV: dict[str, list[str]] = _WORDS["sentences_sv"]
_KIND_SENTENCES_EN: dict[str, str] = _WORDS["sentences_en"]
_NAMES: dict[str, list[str]] = _WORDS["names"]
_STREETS: list[str] = _WORDS["words"]["streets"]
_ACCESSIBILITY: list[str] = _WORDS["words"]["premises_accessibility"]
_EASY_SV: str = _WORDS["words"]["easy_sv"]


def _weighted(rng: random.Random, table: dict[str, Any], weight: Any) -> str:
    keys = list(table)
    return rng.choices(keys, weights=[weight(table[k]) for k in keys])[0]


def organisation_profile(
    rng: random.Random, n: int, *, kind: str | None = None, kommunkod: str | None = None
) -> dict[str, Any]:
    """One realistic, valid organisation of Norrbotten as a plain dict: the Organisation field values
    (organisation number with running number `n`) plus the lists `services` (slugs), `municipalities_served`
    (codes), `certifications` ((kind, valid_until offset in days)) and `confirmed_days_ago`. `kind` and
    `kommunkod` are drawn (weighted) unless given."""
    kind = kind or _weighted(rng, KINDS, lambda v: v[0])
    code = kommunkod or _weighted(rng, KOMMUNER, lambda v: v[1])
    city, _w, lat, lon, postal, area = KOMMUNER[code]
    prefix = rng.choice(KINDS[kind][1])

    services: list[str] = []
    if kind == "asf":
        services = rng.sample(list(SERVICE_TEXTS), rng.randint(1, 3))
        if rng.random() < 0.5 and "arbetstraning" not in services:
            services.append("arbetstraning")
    elif kind in ("business", "civil_society"):
        services = rng.sample(list(SERVICE_TEXTS), rng.choice([0, 0, 1]))
    elif kind == "municipality" and rng.random() < 0.5:
        services = ["arbetstraning"]

    if kind in ("asf", "business"):
        stem = rng.choice(SERVICE_TEXTS[services[0]]["stems"]) if services else rng.choice(_NAMES["business"])
        name = rng.choice([f"{stem} {city}", f"{stem} i {city}", stem])
        if kind == "business":
            name += " AB"
        elif prefix == "769" and rng.random() < 0.3:
            name += " ekonomisk förening"
    elif kind == "municipality":
        name = f"{city} kommun – {rng.choice(_NAMES['municipality'])}"
    elif kind == "region":
        name = f"Region Norrbotten – {rng.choice(_NAMES['region'])} {city}"
    else:
        name = f"{rng.choice(_NAMES[kind])} {city}"

    sentences = [SERVICE_TEXTS[s]["sv"] for s in services]
    sentences += rng.sample(_KIND_SENTENCES_SV[kind], min(2, len(_KIND_SENTENCES_SV[kind])))
    rng.shuffle(sentences)
    description_sv = " ".join(sentences).replace("{city}", city)
    description_en = " ".join(
        [SERVICE_TEXTS[s]["en"] for s in services] + [_KIND_SENTENCES_EN[kind].replace("{city}", city)]
    )

    takes = rng.random() < {"asf": 0.85, "business": 0.2, "civil_society": 0.4, "municipality": 0.5}.get(kind, 0.1)
    employees = {
        "asf": lambda: rng.randint(2, 40),
        "business": lambda: max(1, int(rng.lognormvariate(2.3, 1.2))),
        "civil_society": lambda: rng.randint(0, 12),
        "municipality": lambda: rng.randint(20, 400),
        "agency": lambda: rng.randint(10, 200),
        "region": lambda: rng.randint(10, 300),
    }.get(kind, lambda: rng.randint(5, 120))()
    slug = re.sub(r"[^a-z0-9]+", "", name.lower().translate(str.maketrans("åäöé", "aaoe")))[:40] or "org"
    served = [code]
    if kind in ("asf", "civil_society", "education_private") and rng.random() < 0.4:
        served += rng.sample([c for c in KOMMUNER if c != code], rng.randint(1, 2))
    certifications: list[tuple[str, int]] = []
    if kind == "asf":
        if rng.random() < 0.35:
            certifications.append(("skoopi", rng.randint(-200, 900)))
        if rng.random() < 0.2:
            certifications.append(("lou_reserved", rng.randint(-100, 700)))
    # Most profiles confirmed within 6 months, some needing an update, a tenth hidden (older than 12).
    age = rng.random()
    confirmed_days_ago = (
        rng.randint(0, 180) if age < 0.75 else rng.randint(181, 365) if age < 0.9 else rng.randint(366, 900)
    )
    return {
        "orgnr": make_orgnr(prefix, n),
        "name": name,
        "legal_name": "",
        "kind": kind,
        "kommunkod": code,
        "street_address": f"{rng.choice(_STREETS)} {rng.randint(1, 60)}",
        "postal_code": f"{postal} {rng.randint(30, 99)}",
        "city": city,
        "latitude": Decimal(f"{lat + rng.uniform(-0.05, 0.05):.6f}"),
        "longitude": Decimal(f"{lon + rng.uniform(-0.1, 0.1):.6f}"),
        "website": f"https://www.{slug}.se",
        "phone": f"{area}-{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        "email": f"info@{slug}.se",
        "description_sv": description_sv,
        "description_en": description_en,
        "summary_easy_sv": _EASY_SV.format(city=city) if kind == "asf" and rng.random() < 0.5 else "",
        "sni_codes": sorted({SERVICE_TEXTS[s]["sni"] for s in services}),
        "takes_placements": takes,
        "placement_capacity": rng.randint(1, 12) if takes else None,
        "support_offered": sorted(rng.sample(SUPPORT_OFFERED, rng.randint(2, 5))) if kind == "asf" else [],
        "premises_accessibility": rng.choice(_ACCESSIBILITY),
        "employees": employees,
        "published": rng.random() < 0.97,
        "services": services,
        "municipalities_served": served,
        "certifications": certifications,
        "confirmed_days_ago": confirmed_days_ago,
    }


PROFILE_EXTRAS = ("services", "municipalities_served", "certifications", "confirmed_days_ago")


def organisation_rows(count: int, *, seed: int = 2026, start: int = 0) -> list[dict[str, Any]]:
    """`count` realistic organisations (organisation_profile), deterministic for a seed. Row i gets orgnr
    running number `start + i`, so two calls with disjoint ranges never share an orgnr."""
    rng = random.Random(seed * 1_000_003 + start)
    return [organisation_profile(rng, start + i) for i in range(count)]


def centre(kommunkod: str, offset: float = 0.0) -> tuple[Decimal, Decimal]:
    """Coordinates near the centre of a Norrbotten municipality (`offset` degrees north-west of it)."""
    _name, _w, lat, lon, _postal, _area = KOMMUNER[kommunkod]
    return Decimal(str(round(lat + offset, 6))), Decimal(str(round(lon - offset, 6)))


def _keeping_extras(make: Any, model_class: Any, *args: Any, profile_extras: Any = None, **kwargs: Any) -> Any:
    obj = make(model_class, *args, **kwargs)
    obj._profile_extras = profile_extras
    return obj


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A published ASF in Luleå with a neutral running name. Traits: `norrbotten` (a realistic profile, see
    organisation_profile; its services, municipalities served and certifications are added on create),
    `verified` (verified by a coordinator now), `placements` (takes placements, with supervision),
    `services=["slug", …]` on create."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True
        # Municipalities are given by code (`kommunkod="2581"`); the model's foreign key takes it as kommunkod_id.
        rename = {"kommunkod": "kommunkod_id"}

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.ASF
    orgnr = factory.Sequence(lambda n: make_orgnr("556", n + 1000))
    kommunkod = "2580"
    published = True

    class Params:
        profile = None
        norrbotten = factory.Trait(
            profile=factory.LazyAttributeSequence(
                lambda o, n: organisation_profile(factory.random.randgen, 400_000 + n % 500_000)
            ),
            **{
                field: factory.LazyAttribute(lambda o, field=field: o.profile[field])
                for field in (
                    "orgnr",
                    "name",
                    "kind",
                    "kommunkod",
                    "street_address",
                    "postal_code",
                    "city",
                    "latitude",
                    "longitude",
                    "website",
                    "phone",
                    "email",
                    "description_sv",
                    "description_en",
                    "summary_easy_sv",
                    "sni_codes",
                    "takes_placements",
                    "placement_capacity",
                    "support_offered",
                    "premises_accessibility",
                    "employees",
                )
            },
            confirmed_at=factory.LazyAttribute(
                lambda o: timezone.now() - dt.timedelta(days=o.profile["confirmed_days_ago"])
            ),
            profile_extras=factory.LazyAttribute(lambda o: {k: o.profile[k] for k in PROFILE_EXTRAS}),
        )
        verified = factory.Trait(verified_at=factory.LazyFunction(timezone.now))
        placements = factory.Trait(
            takes_placements=True,
            placement_capacity=3,
            support_offered=[SupportOffered.SUPERVISION, SupportOffered.ADAPTED_TASKS],
        )

    # Not a model field: the profile's services, municipalities served and certifications, added on create.
    profile_extras = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        return _keeping_extras(super()._build, model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return _keeping_extras(super()._create, model_class, *args, **kwargs)

    @factory.post_generation
    def services(obj, create, extracted, **kwargs):
        """Services by slug or ServiceCategory; a `norrbotten` organisation gets its profile's, its
        municipalities served and its certifications too."""
        if not create:
            return
        extras = getattr(obj, "_profile_extras", None) or {}
        chosen = list(extracted if extracted is not None else extras.get("services", []))
        slugs = [s for s in chosen if isinstance(s, str)]
        obj.services.add(
            *(s for s in chosen if not isinstance(s, str)), *ServiceCategory.objects.filter(slug__in=slugs)
        )
        if extras:
            obj.municipalities_served.add(*extras["municipalities_served"])
            today = timezone.localdate()
            for kind, offset in extras["certifications"]:
                Certification.objects.create(
                    organisation=obj,
                    kind=kind,
                    valid_until=today + dt.timedelta(days=offset),
                    status=CertificationStatus.APPROVED,  # realistic organisations' certifications were approved
                )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.MEMBER

    class Params:
        admin = factory.Trait(role=MembershipRole.ADMIN)


class CertificationFactory(factory.django.DjangoModelFactory):
    """An approved Skoopi certification valid for a year; `lou_reserved=True`: eligible for reserved contracts;
    `pending=True` / `refused=True`: not (yet) approved."""

    class Meta:
        model = Certification

    organisation = factory.SubFactory(OrganisationFactory)
    kind = CertificationKind.SKOOPI
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    status = CertificationStatus.APPROVED

    class Params:
        pending = factory.Trait(status=CertificationStatus.PENDING)
        refused = factory.Trait(
            status=CertificationStatus.REFUSED, refusal_reason="Intyget gäller en annan organisation."
        )
        lou_reserved = factory.Trait(kind=CertificationKind.LOU_RESERVED)
        expired = factory.Trait(valid_until=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1)))


class ForbundFactory(factory.django.DjangoModelFactory):
    """Samordningsförbundet Södra Norrbotten (get or create on the slug): the förbund of the factories' funded
    project, agreements, report runs and coordinators. `municipalities=["2580", …]` by kommunkod; another
    förbund: `ForbundFactory(second=True)` (Jämtland's, host b.testserver)."""

    class Meta:
        model = Forbund
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = "sodra-norrbotten"
    name = "Samordningsförbundet Södra Norrbotten"
    short_name = "Södra Norrbotten"
    orgnr = "222000-2204"
    intro_sv = "Nätverket för arbetsintegrerande sociala företag i södra Norrbotten."
    intro_en = "The network of work-integration social enterprises in southern Norrbotten."
    contact_email = "kansli@sodranorrbotten.example.se"
    dpo_email = "dataskydd@sodranorrbotten.example.se"

    class Params:
        second = factory.Trait(
            slug="jamtland",
            name="Samordningsförbundet i Jämtlands län",
            short_name="Jämtland",
            orgnr="222000-1354",
            host="b.testserver",
            intro_sv="Nätverket för arbetsintegrerande sociala företag i Jämtlands län.",
            intro_en="The network of work-integration social enterprises in Jämtland.",
            contact_email="kansli@jamtland.example.se",
            dpo_email="dataskydd@jamtland.example.se",
        )

    @factory.post_generation
    def municipalities(obj, create, extracted, **kwargs):
        """The area: `municipalities=[codes]`, else Södra Norrbotten's four (Östersund and Härjedalen for the
        second förbund). A förbund found again (get or create) keeps its area unless codes are given."""
        if not create or (extracted is None and obj.municipalities.exists()):
            return
        default = ["2380", "2361"] if obj.slug == "jamtland" else ["2580", "2581", "2582", "2560"]
        codes = extracted if extracted is not None else default
        obj.municipalities.set(Municipality.objects.filter(code__in=codes))


class CoordinatorFactory(UserFactory):
    """A coordinator of the factories' förbund (`forbund=<Forbund>` another); may use the admin site."""

    is_staff = True

    @factory.post_generation
    def forbund(obj, create, extracted, **kwargs):
        if create:
            (extracted or ForbundFactory()).coordinators.add(obj)
