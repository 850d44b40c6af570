"""`manage.py seed_demo`: a realistic, fictional network for demonstrations and manual testing.

Idempotent: organisations are keyed on orgnr, users and their e-mail addresses on the e-mail address,
memberships on (user, organisation). Running it again resets the seeded fields and passwords to the demo
values and creates nothing twice. Refuses to run unless settings.DEMO_MODE is true, because it creates
accounts whose password is printed here and in the documentation.

The ASF, businesses, the folkhögskola and the association are invented; so are the organisation numbers
(valid form and Luhn check digit, but not taken from the register), except Luleå kommun and the förbund
given in the brief.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from asfnet.identifiers import format_orgnr, normalise_orgnr
from asfnet.models import User
from directory.models import Membership, MembershipRole, Organisation, OrganisationKind, ServiceCategory
from directory.search import reindex

DEMO_PASSWORD = "demo-asfnet-2026"  # published on purpose; DEMO_MODE only


@dataclass(frozen=True)
class DemoOrg:
    orgnr: str
    name: str
    kind: str
    kommunkod: str
    description_sv: str = ""
    description_en: str = ""
    website: str = ""


LULEA, PITEA, BODEN, ALVSBYN = "2580", "2581", "2582", "2560"
CENTRES = {LULEA: (65.5848, 22.1547), PITEA: (65.3172, 21.4794), BODEN: (65.8252, 21.6886), ALVSBYN: (65.6771, 21.0007)}
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

FORBUND_ORGNR = "222000-2204"
LULEA_KOMMUN_ORGNR = "212000-2742"
BUSINESS_ORGNR = "556900-1018"
RETUREN_ORGNR = "769600-1010"

ORGANISATIONS: list[DemoOrg] = [
    # --- The förbund and its members (public bodies, 2xxxxx) ---------------------------------------------
    # The förbund is kind "region": a public body whose staff are not officers (OFFICER_KINDS). Its project
    # staff get their powers from User.is_coordinator instead.
    DemoOrg(
        FORBUND_ORGNR,
        "Samordningsförbundet Södra Norrbotten",
        OrganisationKind.REGION,
        LULEA,
        "Finsamförbund för Arbetsförmedlingen, Försäkringskassan, Region Norrbotten och kommunerna Luleå, "
        "Piteå, Boden och Älvsbyn. Driver ESF+-projektet Samverkan för ASF i södra Norrbotten 2.0.",
        "Finsam association of Arbetsförmedlingen, Försäkringskassan, Region Norrbotten and the "
        "municipalities of Luleå, Piteå, Boden and Älvsbyn. Runs the ESF+ project on collaboration for "
        "work-integration social enterprises in southern Norrbotten.",
    ),
    DemoOrg(
        LULEA_KOMMUN_ORGNR,
        "Luleå kommun",
        OrganisationKind.MUNICIPALITY,
        LULEA,
        website="https://www.lulea.se",
    ),
    DemoOrg("212000-9010", "Piteå kommun", OrganisationKind.MUNICIPALITY, PITEA, website="https://www.pitea.se"),
    DemoOrg("212000-9028", "Bodens kommun", OrganisationKind.MUNICIPALITY, BODEN, website="https://www.boden.se"),
    DemoOrg(
        "212000-9036",
        "Älvsbyns kommun",
        OrganisationKind.MUNICIPALITY,
        ALVSBYN,
        website="https://www.alvsbyn.se",
    ),
    DemoOrg(
        "202100-2114",
        "Arbetsförmedlingen",
        OrganisationKind.AGENCY,
        LULEA,
        website="https://arbetsformedlingen.se",
    ),
    DemoOrg(
        "202100-5521",
        "Försäkringskassan",
        OrganisationKind.AGENCY,
        LULEA,
        website="https://www.forsakringskassan.se",
    ),
    DemoOrg(
        "232100-0230",
        "Region Norrbotten",
        OrganisationKind.REGION,
        LULEA,
        website="https://www.norrbotten.se",
    ),
    # --- ASF (ekonomiska föreningar 7xxxxx, one AB with limited dividends 5xxxxx) --------------------------
    DemoOrg(
        RETUREN_ORGNR,
        "Returen Återbruk ek. för.",
        OrganisationKind.ASF,
        LULEA,
        "Returen tar emot möbler, kläder och husgeråd, rustar upp dem och säljer dem i sin butik på "
        "Svartöstaden. Vi tar emot praktikanter och arbetsträning inom sortering, reparation, butik "
        "och transport.",
        "Returen collects furniture, clothes and household goods, refurbishes them and sells them in its "
        "shop in Svartöstaden. We take placements and work training in sorting, repairs, retail and "
        "transport.",
    ),
    DemoOrg(
        "769600-2026",
        "Café Kvarnen ek. för.",
        OrganisationKind.ASF,
        LULEA,
        "Lunchcafé och bageri i centrala Luleå som också levererar fika till möten. "
        "Arbetsträning i kök, bageri, servering och kassa, fyra platser åt gången.",
        "Lunch café and bakery in central Luleå that also delivers coffee and pastries to meetings. "
        "Work training in the kitchen, bakery, serving and till, four placements at a time.",
    ),
    DemoOrg(
        "769600-3032",
        "Tvätteriet Hertsön ek. för.",
        OrganisationKind.ASF,
        LULEA,
        "Tvätt och mangling åt föreningar, företag och privatpersoner i Luleå. "
        "Vi erbjuder lugna arbetsträningsplatser med tydliga rutiner.",
        "Laundry and mangling for associations, businesses and households in Luleå. "
        "We offer calm work-training placements with clear routines.",
    ),
    DemoOrg(
        "769600-4048",
        "Trädgårdarna i Boden ek. för.",
        OrganisationKind.ASF,
        BODEN,
        "Odlar grönsaker och sommarblommor och sköter grönytor åt bostadsbolag i Boden. "
        "Säsongsplatser för arbetsträning utomhus från maj till september.",
        "Grows vegetables and summer flowers and looks after green spaces for housing companies in Boden. "
        "Seasonal outdoor work-training placements from May to September.",
    ),
    DemoOrg(
        "769600-5052",
        "Fixarna i Boden ek. för.",
        OrganisationKind.ASF,
        BODEN,
        "Fastighetsskötsel, snöröjning och enklare reparationer åt föreningar och privatpersoner. "
        "Tar emot praktikanter som vill arbeta praktiskt, gärna med körkort.",
        "Property maintenance, snow clearing and small repairs for associations and households. "
        "Takes placements for people who want practical work, a driving licence is a plus.",
    ),
    DemoOrg(
        "556900-2024",
        "Cateringköket Piteå AB (svb)",
        OrganisationKind.ASF,
        PITEA,
        "Lagar lunchlådor och catering till skolor, konferenser och fester i Piteå. "
        "Arbetsträning i storkök med handledare, och möjlighet till anställning med lönestöd.",
        "Cooks lunch boxes and catering for schools, conferences and parties in Piteå. "
        "Supervised work training in a commercial kitchen, with a path to subsidised employment.",
    ),
    DemoOrg(
        "769600-6068",
        "Städservice Piteå ek. för.",
        OrganisationKind.ASF,
        PITEA,
        "Kontors- och trappstädning i Piteå med omnejd. "
        "Vi tar emot arbetsträning och praktik och kan ge intyg om lokalvårdskompetens.",
        "Office and stairwell cleaning in and around Piteå. "
        "We take work training and placements and can certify cleaning skills.",
    ),
    DemoOrg(
        "769600-7074",
        "Snickeriet Älvsbyn ek. för.",
        OrganisationKind.ASF,
        ALVSBYN,
        "Tillverkar utemöbler, fågelholkar och inredning i trä på beställning. "
        "Två till tre arbetsträningsplatser i verkstaden, introduktion i maskinsäkerhet ingår.",
        "Makes garden furniture, bird boxes and wooden fittings to order. "
        "Two or three work-training placements in the workshop, including an introduction to machine safety.",
    ),
    # --- Businesses (aktiebolag 5xxxxx) ----------------------------------------------------------------
    DemoOrg(
        BUSINESS_ORGNR,
        "Norrbottens Fastighetsservice AB",
        OrganisationKind.BUSINESS,
        LULEA,
        "Fastighetsförvaltning i Luleå och Boden som köper tjänster av sociala företag.",
        "Property management company in Luleå and Boden that buys services from social enterprises.",
    ),
    DemoOrg(
        "556900-3030",
        "Piteå Mekaniska AB",
        OrganisationKind.BUSINESS,
        PITEA,
        "Mekanisk verkstad som tar emot praktikanter som gått vidare från arbetsträning.",
        "Engineering workshop that takes interns who have moved on from work training.",
    ),
    DemoOrg(
        "556900-4046",
        "Bodens Bygg & Montage AB",
        OrganisationKind.BUSINESS,
        BODEN,
        "Byggföretag som samarbetar med ASF kring rivning, återbruk och montage.",
        "Construction company that works with ASF on demolition, reuse and assembly.",
    ),
    # --- Education and civil society ------------------------------------------------------------------
    DemoOrg(
        "232100-9017",
        "Kustlandets folkhögskola",
        OrganisationKind.EDUCATION_PUBLIC,
        LULEA,
        "Folkhögskola med allmän kurs och korta yrkesinriktade kurser som kan kombineras med arbetsträning.",
        "Folk high school with a general course and short vocational courses that can be combined with work training.",
    ),
    DemoOrg(
        "802400-1011",
        "Föreningen Mötesplats Luleå",
        OrganisationKind.CIVIL_SOCIETY,
        LULEA,
        "Ideell förening som driver en öppen mötesplats och fritidsaktiviteter för personer långt från "
        "arbetsmarknaden.",
        "Non-profit association running an open meeting place and leisure activities for people far from "
        "the labour market.",
    ),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role_label: str
    organisation_orgnr: str
    membership_role: str
    is_coordinator: bool = False
    totp_secret: str = ""
    preferred_language: str = "sv"


USERS: list[DemoUser] = [
    DemoUser(
        "coordinator@demo.asfnet.se",
        "Maria Lindqvist (demo)",
        "Coordinator (förbund)",
        FORBUND_ORGNR,
        MembershipRole.ADMIN,
        is_coordinator=True,
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    ),
    DemoUser(
        "officer@demo.asfnet.se",
        "Johan Nilsson (demo)",
        "Municipal officer (Luleå kommun)",
        LULEA_KOMMUN_ORGNR,
        MembershipRole.MEMBER,
        totp_secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    ),
    DemoUser(
        "asf@demo.asfnet.se",
        "Aino Korhonen (demo)",
        "ASF staff, admin (Returen Återbruk)",
        RETUREN_ORGNR,
        MembershipRole.ADMIN,
    ),
    DemoUser(
        "business@demo.asfnet.se",
        "Sam Berg (demo)",
        "Organisation member (business)",
        BUSINESS_ORGNR,
        MembershipRole.MEMBER,
        preferred_language="en",
    ),
]


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
            orgs = {spec.orgnr: self._organisation(spec) for spec in ORGANISATIONS}
            logins = [self._user(spec, orgs[spec.organisation_orgnr]) for spec in USERS]
            reindex([org.pk for org in orgs.values()])

        summary = f"Demo network ready: {len(orgs)} organisations, {len(logins)} users."
        self.stdout.write(self.style.SUCCESS(summary))
        self._print_logins(logins)
        from events.demo import seed_events  # the calendar's demo season (events app)

        seed_events(self.stdout)
        from matchmaking.demo import seed_matchmaking  # participants, needs, opportunities, placements

        seed_matchmaking(self.stdout)

    # --- Organisations ---------------------------------------------------------------------------------
    def _organisation(self, spec: DemoOrg) -> Organisation:
        orgnr = normalise_orgnr(spec.orgnr)  # raises on a typo in the table above
        org = Organisation.objects.filter(orgnr=orgnr).first()
        created = org is None
        if org is None:
            org = Organisation(orgnr=orgnr)
        org.name = spec.name
        org.kind = spec.kind
        org.kommunkod = spec.kommunkod
        org.description_sv = spec.description_sv
        org.description_en = spec.description_en
        org.website = spec.website
        org.published = True
        centre = CENTRES.get(spec.kommunkod)
        if centre:
            # Spread organisations around the town centre so map markers do not overlap.
            offset = (int(orgnr[-3:]) % 17 - 8) / 400
            org.latitude = Decimal(str(round(centre[0] + offset, 6)))
            org.longitude = Decimal(str(round(centre[1] - offset, 6)))
        if spec.kind == OrganisationKind.ASF:
            org.takes_placements = True
            org.placement_capacity = 2 + int(orgnr[-1]) % 5
            org.employees = 5 + int(orgnr[-2:]) % 40
            org.support_offered = ["supervision", "adapted_tasks", "flexible_hours"]
        org.full_clean()
        org.save()
        slugs = {slug for word, slug in SERVICE_WORDS.items() if word in f"{spec.name} {spec.description_sv}".lower()}
        if spec.kind == OrganisationKind.ASF:
            slugs.add("arbetstraning")
        org.services.set(ServiceCategory.objects.filter(slug__in=slugs))
        if created:
            self.stdout.write(f"  created organisation {format_orgnr(orgnr)} {org.name}")
        return org

    # --- Users -------------------------------------------------------------------------------------------
    def _user(self, spec: DemoUser, organisation: Organisation) -> dict[str, str]:
        email = spec.email.lower()
        user = User.objects.filter(email=email).first()
        created = user is None
        if user is None:
            user = User(email=email)
        user.full_name = spec.full_name
        user.preferred_language = spec.preferred_language
        user.is_coordinator = spec.is_coordinator
        user.is_staff = spec.is_coordinator
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.full_clean(exclude=["password"])
        user.save()
        if created:
            self.stdout.write(f"  created user {email}")

        # allauth: a verified, primary address, so the demo user can log in at once.
        EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is None:
            address = EmailAddress(user=user, email=email)
        address.verified = True
        address.primary = True
        address.save()

        Membership.objects.update_or_create(
            user=user, organisation=organisation, defaults={"role": spec.membership_role}
        )

        secret = ""
        if spec.totp_secret:
            secret = self._totp(user, spec.totp_secret)
        return {
            "email": email,
            "role": spec.role_label,
            "organisation": organisation.name,
            "totp_secret": secret,
        }

    @staticmethod
    def _totp(user: User, secret: str) -> str:
        """Activate TOTP with the fixed demo secret unless the user already has an authenticator; return
        the secret actually in use (an earlier run, or the user, may have set up another one)."""
        existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if existing is None:
            TOTP.activate(user, secret)
            return secret
        return decrypt(existing.data["secret"])

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
            "The coordinator and the officer must sign in with a one-time code: add their TOTP secret to an "
            "authenticator app (enter the key manually, time-based, 6 digits, 30 seconds)."
        )
