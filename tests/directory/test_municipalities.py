"""The municipality reference: all 290 Swedish municipalities with their county, every municipality field a
foreign key to it, forms and imports that refuse a code that is no municipality, Swedish order, and the
migrations that bring an existing database there without a manual step."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.models.functions import Collate
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from directory.access import actor_for
from directory.forms import MunicipalityField
from directory.import_export.imports import organisation_import
from directory.models import Municipality, Organisation, swedish_sort_key
from tests.factories import make_orgnr

ROOT = Path(settings.BASE_DIR).resolve()
OUR_APPS = ("directory", "matchmaking", "events", "reports", "asfnet")


def _municipality_codes() -> set[str]:
    return set(Municipality.objects.values_list("code", flat=True))


# --- The reference -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_reference_holds_swedens_290_municipalities_in_21_counties():
    assert Municipality.objects.count() == 290
    assert Municipality.objects.values("county_code").distinct().count() == 21
    stockholm, lulea, are = (Municipality.objects.get(code=c) for c in ("0180", "2580", "2321"))
    assert (stockholm.name, stockholm.county_code, stockholm.county_name) == ("Stockholm", "01", "Stockholms län")
    assert (lulea.name, lulea.county_code, lulea.county_name) == ("Luleå", "25", "Norrbottens län")
    assert (are.name, are.county_name) == ("Åre", "Jämtlands län")
    # Every code starts with its county's two digits (SCB's kommunkod).
    assert not [m.code for m in Municipality.objects.all() if not m.code.startswith(m.county_code)]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    found |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return found


def test_no_data_migration_imports_the_apps_live_code():
    """A migration that runs Python carries or reads its own data: the app's code may change after it."""
    data_migrations = [
        path
        for app in ("kernel", "directory", "matchmaking", "events", "reports")
        for path in sorted((ROOT / app / "migrations").glob("0*.py"))
        if "RunPython" in path.read_text(encoding="utf-8")
    ]
    assert ROOT / "directory" / "migrations" / "0003_reference_data.py" in data_migrations
    allowed = {"django", "__future__", *sys.stdlib_module_names}
    offending = {
        path.relative_to(ROOT).as_posix(): sorted(m for m in _imported_modules(path) if m.split(".")[0] not in allowed)
        for path in data_migrations
    }
    assert {name: modules for name, modules in offending.items() if modules} == {}


# --- Every municipality field is a foreign key to the reference ---------------------------------------------
def _municipality_fields() -> list[models.Field]:
    """Every field of our models that holds a municipality (named so, or pointing at the reference)."""
    found = []
    for config in apps.get_app_configs():
        if not Path(config.path).resolve().is_relative_to(ROOT) or "site-packages" in Path(config.path).parts:
            continue
        for model in config.get_models():
            for field in model._meta.get_fields():
                if getattr(field, "auto_created", False) or field.model is Municipality:
                    continue
                if field.name in {"kommunkod", "municipality"} or getattr(field, "related_model", None) is Municipality:
                    found.append(field)
    return found


def test_every_municipality_field_is_a_protected_foreign_key_to_the_reference():
    fields = _municipality_fields()
    names = {f"{f.model._meta.label}.{f.name}" for f in fields}
    assert {
        "directory.Organisation.kommunkod",
        "events.Event.kommunkod",
        "matchmaking.Participant.municipality",
        "matchmaking.Need.municipality",
        "matchmaking.Opportunity.municipality",
        "matchmaking.PartnerRequest.municipality",
    } <= names
    for field in fields:
        label = f"{field.model._meta.label}.{field.name}"
        assert field.related_model is Municipality, f"{label} is not a reference to the municipalities"
        if field.many_to_many:
            continue
        assert isinstance(field, models.ForeignKey), label
        assert field.remote_field.on_delete is models.PROTECT, f"{label}: a municipality in use cannot be deleted"
        assert field.column == field.name, f"{label} keeps its column, so no data moved"


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.from_regex(r"\A[0-9]{4}\Z"))
def test_a_model_accepts_a_four_digit_code_only_when_it_is_a_municipality(code):
    organisation = Organisation(name="Kodprovet AB", kind="business", orgnr=make_orgnr("556", 9100), kommunkod_id=code)
    errors = {}
    try:
        organisation.full_clean(exclude=["confirmed_by", "verified_by", "logo"], validate_unique=False)
    except ValidationError as error:
        errors = error.message_dict
    assert ("kommunkod" in errors) == (code not in _municipality_codes())


# --- Forms -----------------------------------------------------------------------------------------------------
def _our_model_forms() -> list[type[forms.ModelForm]]:
    # Every forms module of our apps, the feature subpackages' too (directory/profile/forms.py, …).
    for app in OUR_APPS:
        for path in sorted((ROOT / app).rglob("forms.py")):
            importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    seen, stack = [], list(forms.ModelForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in OUR_APPS and cls not in seen:
            seen.append(cls)
    return seen


def test_every_form_field_for_a_municipality_is_the_reference_select():
    checked = []
    for form_class in _our_model_forms():
        model = form_class._meta.model
        for name in form_class.base_fields:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:  # a field of the form only
                continue
            if getattr(field, "related_model", None) is Municipality and not field.many_to_many:
                assert isinstance(form_class.base_fields[name], MunicipalityField), f"{form_class.__name__}.{name}"
                checked.append(f"{form_class.__name__}.{name}")
    assert {"OrganisationForm.kommunkod", "ParticipantForm.municipality", "NeedForm.municipality"} <= set(checked)
    assert {"OpportunityForm.municipality", "PartnerRequestForm.municipality", "EventForm.kommunkod"} <= set(checked)


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.from_regex(r"\A[0-9]{4}\Z"))
def test_the_select_accepts_a_code_only_when_it_is_a_municipality_and_says_so_in_swedish(code):
    field = MunicipalityField()
    if code in _municipality_codes():
        assert field.clean(code).code == code
        return
    with translation.override("sv"):
        with pytest.raises(forms.ValidationError) as refused:
            field.clean(code)
        assert refused.value.messages == [f"”{code}” är ingen svensk kommunkod. Välj en kommun i listan."]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["12", "25x0", "' OR 1=1 --", "25800"])
def test_a_value_that_is_not_four_digits_gets_the_four_digits_message(value):
    with translation.override("sv"):
        with pytest.raises(forms.ValidationError) as refused:
            MunicipalityField().clean(value)
        assert refused.value.messages == ["En kommunkod består av exakt fyra siffror, till exempel 2580."]


def _icu_order(names: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT array_agg(n ORDER BY n COLLATE "sv-SE-x-icu", n COLLATE "C") FROM unnest(%s::text[]) AS n',
            [names],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_select_lists_every_municipality_in_the_order_of_postgresqls_swedish_collation():
    assert connection.vendor == "postgresql"
    labels = [label for value, label in MunicipalityField(empty_label=None).choices]
    by_icu = list(
        Municipality.objects.order_by(Collate("name", settings.DIRECTORY_NAME_COLLATION)).values_list("name", flat=True)
    )
    assert labels == by_icu
    assert labels[-5:] == ["Österåker", "Östhammar", "Östra Göinge", "Överkalix", "Övertorneå"]
    assert labels.index("Åre") < labels.index("Älmhult") < labels.index("Örebro")


@pytest.mark.django_db
@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(alphabet="abcvwxyzåäöABVWZÅÄÖéü -", min_size=1, max_size=8), min_size=2, max_size=8))
def test_the_python_sort_key_orders_names_as_the_swedish_collation_does(names):
    assert sorted(names, key=lambda n: (swedish_sort_key(n), n)) == _icu_order(names)


# --- Imports ----------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_organisation_import_refuses_a_code_that_is_no_municipality_with_a_row_error(world):
    text = (
        "orgnr,name,kind,kommunkod,employees\n"
        f"{make_orgnr('556', 9201)},Riktig AB,business,2580,\n"
        f"{make_orgnr('556', 9202)},Påhittad AB,business,9999,\n"
    )
    with translation.override("sv"):
        report = organisation_import(actor=actor_for(world.coordinator), rows_or_file=text)
        errors = [(e.row, e.column, str(e.message)) for e in report.errors]
    assert errors == [(3, "kommunkod", "9999 är ingen svensk kommunkod.")]
    assert not report.saved and not Organisation.objects.filter(name__in=["Riktig AB", "Påhittad AB"]).exists()


# --- Migrations: an existing database gets there without a manual step --------------------------------------
BEFORE = [
    ("directory", "0006_personnummer_guard"),
    ("matchmaking", "0003_personnummer_guard"),
    ("events", "0002_personnummer_guard"),
]


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_keeps_its_codes_and_a_code_that_is_no_municipality_becomes_empty(capfd):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    # The database as it was: Norrbotten's 14 municipalities only, codes as free text.
    old.get_model("directory", "Municipality").objects.exclude(code__startswith="25").delete()
    # Its förbund's members marked (migrating back to here re-added the column without the marks).
    old.get_model("directory", "Municipality").objects.filter(code__in=["2560", "2580", "2581", "2582"]).update(
        in_forbund=True
    )
    Org = old.get_model("directory", "Organisation")
    lulea = Org.objects.create(name="Returen", kind="asf", orgnr="7696001010", kommunkod="2580")
    stray = Org.objects.create(name="Okänd ort AB", kind="business", orgnr="5560001018", kommunkod="9999")
    opportunity = old.get_model("matchmaking", "Opportunity").objects.create(
        organisation_id=lulea.pk, type="praktik", title="Praktik", municipality="9999", starts_on="2026-01-01"
    )
    Event = old.get_model("events", "Event")
    online, boden, nowhere = (
        Event.objects.create(
            organiser_id=lulea.pk, title_sv=title, start="2026-01-01T10:00Z", end="2026-01-01T11:00Z", kommunkod=code
        )
        for title, code in (("Online", ""), ("Boden", "2582"), ("Ingenstans", "9999"))
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Municipality.objects.count() == 290
    # The installation became its förbund, whose area is the municipalities that were marked as members.
    forbund = apps.get_model("directory", "Forbund").objects.get()
    assert set(forbund.municipalities.values_list("code", flat=True)) == {"2560", "2580", "2581", "2582"}
    assert {e.forbund_id for e in apps.get_model("events", "Event").objects.all()} == {forbund.pk}
    assert Organisation.objects.get(pk=lulea.pk).kommunkod.name == "Luleå"
    assert Organisation.objects.get(pk=stray.pk).kommunkod_id is None
    assert apps.get_model("matchmaking", "Opportunity").objects.get(pk=opportunity.pk).municipality_id is None
    events = apps.get_model("events", "Event").objects
    assert [events.get(pk=e.pk).kommunkod_id for e in (online, boden, nowhere)] == [None, "2582", None]
    warnings = capfd.readouterr().err
    assert f"organisation {stray.pk}: municipality code '9999' is not a Swedish municipality" in warnings
    assert f"opportunity {opportunity.pk}: municipality code '9999'" in warnings
    assert f"event {nowhere.pk}: municipality code '9999'" in warnings
    assert f"event {online.pk}:" not in warnings, "an event without a municipality is no warning"
