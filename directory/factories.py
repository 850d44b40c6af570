"""Factories of the directory: organisations, memberships, certifications; and the realistic organisations of
Norrbotten that the `norrbotten` trait, the benchmark (`make bench`) and its import file are made of.

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
from decimal import Decimal
from typing import Any

import factory
import factory.random
from django.utils import timezone

from asfnet.factories import UserFactory
from asfnet.identifiers import luhn_ok
from directory.models import (
    Certification,
    CertificationKind,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    ServiceCategory,
    SupportOffered,
)


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


# code: (name, weight ≈ population share, latitude, longitude, postal code prefix, phone area code)
KOMMUNER: dict[str, tuple[str, float, float, float, str, str]] = {
    "2505": ("Arvidsjaur", 3.0, 65.5904, 19.1797, "933", "0960"),
    "2506": ("Arjeplog", 1.2, 66.0517, 17.8867, "930", "0961"),
    "2510": ("Jokkmokk", 2.0, 66.6066, 19.8228, "962", "0971"),
    "2513": ("Överkalix", 1.5, 66.3276, 22.8430, "956", "0926"),
    "2514": ("Kalix", 6.0, 65.8530, 23.1560, "952", "0923"),
    "2518": ("Övertorneå", 1.5, 66.3889, 23.6500, "957", "0927"),
    "2521": ("Pajala", 2.0, 67.2125, 23.3677, "984", "0978"),
    "2523": ("Gällivare", 7.0, 67.1339, 20.6528, "982", "0970"),
    "2560": ("Älvsbyn", 3.0, 65.6771, 21.0007, "942", "0929"),
    "2580": ("Luleå", 30.0, 65.5848, 22.1547, "972", "0920"),
    "2581": ("Piteå", 17.0, 65.3172, 21.4794, "941", "0911"),
    "2582": ("Boden", 11.0, 65.8252, 21.6886, "961", "0921"),
    "2583": ("Haparanda", 4.0, 65.8355, 24.1368, "953", "0922"),
    "2584": ("Kiruna", 9.0, 67.8557, 20.2253, "981", "0980"),
}

# kind: (weight, orgnr prefixes)
KINDS: dict[str, tuple[float, tuple[str, ...]]] = {
    "asf": (30, ("769", "769", "556", "802")),
    "business": (36, ("556",)),
    "civil_society": (14, ("802",)),
    "education_private": (5, ("556", "802")),
    "education_public": (4, ("212",)),
    "agency": (4, ("202",)),
    "municipality": (4, ("212",)),
    "region": (3, ("232",)),
}

# The service slugs of directory/reference_data.py with the words an organisation offering them uses.
SERVICE_TEXTS: dict[str, dict[str, Any]] = {
    "arbetstraning": {
        "stems": ["Arbetsträningscentrum", "Jobbverkstaden", "Steget", "Arbetslaget", "Kompassen"],
        "sv": "Vi erbjuder arbetsträning med handledare i en lugn och trygg miljö.",
        "en": "We offer work training with a supervisor in a calm, safe setting.",
        "sni": "88992",
    },
    "cafe-restaurang": {
        "stems": ["Café Kompassen", "Kafé Bryggan", "Restaurang Smaken", "Lunchkrogen", "Fikastugan"],
        "sv": "I vårt café serverar vi hembakat fika och lunch varje vardag.",
        "en": "Our café serves home-baked pastries and lunch every weekday.",
        "sni": "56100",
    },
    "catering": {
        "stems": ["Cateringköket", "Matlaget", "Gröna Grytan", "Köksgänget"],
        "sv": "Vi levererar catering till möten, konferenser och fester.",
        "en": "We deliver catering to meetings, conferences and parties.",
        "sni": "56210",
    },
    "aterbruk": {
        "stems": ["Återbruket", "Returen", "Kretsloppet", "Loppisen", "Second hand-boden"],
        "sv": "Vi tar emot möbler, kläder och husgeråd och säljer dem vidare i vår second hand-butik.",
        "en": "We take in furniture, clothes and household goods and sell them on in our second-hand shop.",
        "sni": "47791",
    },
    "stad": {
        "stems": ["Städservice", "Rent och Fint", "Städpatrullen", "Glansen"],
        "sv": "Vi utför städning åt företag, föreningar och privatpersoner.",
        "en": "We clean for businesses, associations and households.",
        "sni": "81210",
    },
    "tvatt": {
        "stems": ["Tvätteriet", "Tvättstugan", "Mangelboden"],
        "sv": "Vårt tvätteri tvättar och manglar åt restauranger och hotell.",
        "en": "Our laundry washes and presses for restaurants and hotels.",
        "sni": "96010",
    },
    "tradgard-skog": {
        "stems": ["Trädgårdarna", "Trädgårdsgruppen", "Skogslaget", "Gröna Händer", "Odlingen"],
        "sv": "Vi sköter trädgårdar, parker och grönytor och röjer sly i skogen.",
        "en": "We look after gardens, parks and green spaces and clear undergrowth in the forest.",
        "sni": "81300",
    },
    "snickeri": {
        "stems": ["Snickeriet", "Träverkstaden", "Hyvelbänken", "Verkstaden"],
        "sv": "I snickeriet bygger vi utemöbler och fågelholkar och renoverar gamla möbler.",
        "en": "In the joinery we build garden furniture and bird boxes and restore old furniture.",
        "sni": "16230",
    },
    "fastighetsskotsel": {
        "stems": ["Fastighetsservice", "Gårdsfixarna", "Fastighetsskötarna"],
        "sv": "Vi hjälper fastighetsägare med snöröjning, gräsklippning och enklare underhåll.",
        "en": "We help property owners with snow clearing, mowing and light maintenance.",
        "sni": "81100",
    },
    "hantverk": {
        "stems": ["Hantverkshuset", "Vävstugan", "Slöjdboden", "Keramikverkstaden"],
        "sv": "Vi väver, syr och tillverkar hantverk som säljs i vår butik.",
        "en": "We weave, sew and make crafts that are sold in our shop.",
        "sni": "32990",
    },
    "transport": {
        "stems": ["Flyttgruppen", "Transportlaget", "Budbilen", "Flytthjälpen"],
        "sv": "Vi hjälper till med flytt, budkörning och transport av möbler.",
        "en": "We help with removals, courier runs and furniture transport.",
        "sni": "49420",
    },
    "montering": {
        "stems": ["Monteringsgruppen", "Legoverkstaden", "Montageverket"],
        "sv": "Vi monterar och packar produkter åt industrin i regionen.",
        "en": "We assemble and pack products for industry in the region.",
        "sni": "25990",
    },
}

SUPPORT_OFFERED = tuple(SupportOffered.values)

_KIND_SENTENCES_SV = {
    "asf": [
        "Vi är ett arbetsintegrerande socialt företag där vinsten återinvesteras i verksamheten.",
        "Hos oss får människor som står långt från arbetsmarknaden växa i egen takt.",
        "Vi samarbetar med Arbetsförmedlingen, Försäkringskassan och kommunen.",
        "Alla som vill ska få pröva på olika arbetsuppgifter och lära sig ett yrke.",
    ],
    "business": [
        "Vi är ett lokalt företag med rötterna i {city}.",
        "Vi tar gärna emot praktikanter och köper tjänster av sociala företag.",
        "Våra kunder finns i hela Norrbotten.",
    ],
    "civil_society": [
        "Föreningen samlar medlemmar i {city} med omnejd.",
        "Vi ordnar aktiviteter, studiecirklar och gemenskap för alla åldrar.",
    ],
    "education_public": ["Vi erbjuder vuxenutbildning, yrkesutbildning och svenska för invandrare i {city}."],
    "education_private": ["Vi driver yrkesutbildningar och arbetsmarknadsutbildningar på uppdrag i {city}."],
    "agency": ["Vi finns på plats i {city} och samverkar med kommunen och de sociala företagen."],
    "municipality": ["Enheten stöttar invånare i {city} på vägen mot arbete eller studier."],
    "region": ["Vi arbetar med hälsa och rehabilitering och samverkar med arbetsgivare i {city}."],
}
_KIND_SENTENCES_EN = {
    "asf": "We are a work-integration social enterprise that reinvests its profit in the business.",
    "business": "We are a local business that welcomes trainees.",
    "civil_society": "The association brings people together in {city}.",
    "education_public": "Adult and vocational education in {city}.",
    "education_private": "Vocational and labour-market training in {city}.",
    "agency": "Our office in {city} works with the municipality and social enterprises.",
    "municipality": "The unit supports residents of {city} on their way to work or studies.",
    "region": "Health and rehabilitation, working with employers in {city}.",
}
_NAMES = {
    "civil_society": [
        "Hembygdsföreningen",
        "Röda Korsets krets",
        "Stadsmissionen",
        "Idrottsklubben",
        "Föreningen Gemenskap",
        "Odlingsföreningen",
        "Trädgårdsföreningen",
        "Naturskyddsföreningen",
    ],
    "business": ["Bygg", "El", "VVS", "Logistik", "Fastigheter", "Konsult", "Mekaniska", "Måleri", "Åkeri", "Handel"],
    "municipality": [
        "Arbetsmarknadsenheten",
        "Socialtjänsten",
        "Vuxenutbildningen",
        "Daglig verksamhet",
        "Jobbcentrum",
        "Fritidsförvaltningen",
    ],
    "agency": ["Arbetsförmedlingen", "Försäkringskassan", "Kriminalvården", "Skatteverket"],
    "region": ["Hälsocentralen", "Psykiatrin", "Folktandvården", "Habiliteringen"],
    "education_public": ["Komvux", "Lärcentrum", "Gymnasieskolan", "Folkhögskolan"],
    "education_private": [
        "Lernia",
        "Folkuniversitetet",
        "Studiefrämjandet",
        "Yrkesakademin",
        "Utbildningscentrum Nord",
    ],
}
_STREETS = ["Storgatan", "Köpmangatan", "Industrivägen", "Hamngatan", "Skolgatan", "Verkstadsgatan", "Sjögatan"]
_ACCESSIBILITY = [
    "Entré utan trappsteg, tillgänglig toalett och parkering nära entrén.",
    "Hörslinga i samlingslokalen. Ramp vid entrén.",
    "Lokalen ligger i markplan. Hiss till övervåningen.",
    "",
]
_EASY_SV = "Vi är ett företag i {city}. Hos oss kan du träna på att arbeta. En handledare hjälper dig."


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


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A published ASF in Luleå with a neutral running name. Traits: `norrbotten` (a realistic profile, see
    organisation_profile; its services, municipalities served and certifications are added on create),
    `verified` (verified by a coordinator now), `placements` (takes placements, with supervision),
    `services=["slug", …]` on create."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

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
        extras = kwargs.pop("profile_extras", None)
        obj = super()._build(model_class, *args, **kwargs)
        obj._profile_extras = extras
        return obj

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        extras = kwargs.pop("profile_extras", None)
        obj = super()._create(model_class, *args, **kwargs)
        obj._profile_extras = extras
        return obj

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
                Certification.objects.create(organisation=obj, kind=kind, valid_until=today + dt.timedelta(days=offset))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.MEMBER

    class Params:
        admin = factory.Trait(role=MembershipRole.ADMIN)


class CertificationFactory(factory.django.DjangoModelFactory):
    """A Skoopi certification valid for a year; `lou_reserved=True`: eligible for reserved contracts."""

    class Meta:
        model = Certification

    organisation = factory.SubFactory(OrganisationFactory)
    kind = CertificationKind.SKOOPI
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))

    class Params:
        lou_reserved = factory.Trait(kind=CertificationKind.LOU_RESERVED)
        expired = factory.Trait(valid_until=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1)))
