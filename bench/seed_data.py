"""Seed data for the directory benchmark: realistic, valid organisations of southern Norrbotten as plain
dicts, and the import's CSV format. Nothing here imports Django, so tests import it freely."""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any


def luhn_check_digit(body: str) -> str:
    """The digit that makes `body + digit` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(body)):  # the check digit will be position 0 from the right
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


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
SERVICES: dict[str, dict[str, Any]] = {
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

SUPPORT_OFFERED = (
    "supervision",
    "adapted_tasks",
    "flexible_hours",
    "language_support",
    "skills_validation",
    "group_activities",
    "path_to_job",
)

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


def organisation_rows(count: int, *, seed: int = 2026, start: int = 0) -> list[dict[str, Any]]:
    """`count` realistic, valid organisations as plain dicts: the Organisation field values plus the lists
    `services` (slugs), `municipalities_served` (codes), `certifications` ((kind, valid_until offset in days))
    and `confirmed_days_ago`. Deterministic for a seed. Row i gets orgnr running number `start + i`, so two
    calls with disjoint ranges never share an orgnr."""
    rng = random.Random(seed * 1_000_003 + start)
    rows = []
    for i in range(count):
        kind = _weighted(rng, KINDS, lambda v: v[0])
        code = _weighted(rng, KOMMUNER, lambda v: v[1])
        city, _w, lat, lon, postal, area = KOMMUNER[code]
        prefix = rng.choice(KINDS[kind][1])

        services: list[str] = []
        if kind == "asf":
            services = rng.sample(list(SERVICES), rng.randint(1, 3))
            if rng.random() < 0.5 and "arbetstraning" not in services:
                services.append("arbetstraning")
        elif kind in ("business", "civil_society"):
            services = rng.sample(list(SERVICES), rng.choice([0, 0, 1]))
        elif kind == "municipality" and rng.random() < 0.5:
            services = ["arbetstraning"]

        if kind in ("asf", "business"):
            stem = rng.choice(SERVICES[services[0]]["stems"]) if services else rng.choice(_NAMES["business"])
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

        sentences = [SERVICES[s]["sv"] for s in services]
        sentences += rng.sample(_KIND_SENTENCES_SV[kind], min(2, len(_KIND_SENTENCES_SV[kind])))
        rng.shuffle(sentences)
        description_sv = " ".join(sentences).replace("{city}", city)
        description_en = " ".join(
            [SERVICES[s]["en"] for s in services] + [_KIND_SENTENCES_EN[kind].replace("{city}", city)]
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
        rows.append(
            {
                "orgnr": make_orgnr(prefix, start + i),
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
                "sni_codes": sorted({SERVICES[s]["sni"] for s in services}),
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
        )
    return rows


def rows_to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], *, changed: bool = False) -> str:
    """A CSV file (the import's format: lists joined with `|`, booleans true/false) of these rows.
    `changed=True` alters employees and the English description, for timing an update of every row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if changed and column == "employees":
                value = (value or 0) + 1
            elif changed and column == "description_en":
                value = f"{value} Updated."
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, list):
                cells.append("|".join(str(v) for v in value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return out.getvalue()
