"""kernel.bulk: new rows written with COPY on PostgreSQL hold what bulk_create would have stored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from directory.models import Organisation, ServiceCategory
from kernel import bulk
from tests.factories import OrganisationFactory, make_orgnr


@pytest.mark.django_db
def test_insert_gives_keys_and_stores_every_field_as_bulk_create_would():
    assert connection.vendor == "postgresql"  # the COPY path; SQLite takes bulk_create
    built = [
        OrganisationFactory.build(
            orgnr=make_orgnr("802", 900 + n),
            name=f"Kopierad {n}",
            sni_codes=["81300"],
            latitude=Decimal("65.584819"),
            description_sv="Tab\toch ny\nrad, \\ och ”citat”",
            kommunkod="2580",
        )
        for n in range(3)
    ]
    compared = OrganisationFactory.build(orgnr=make_orgnr("802", 999), name="Jämförd", kommunkod="2580")
    Organisation.objects.bulk_create([compared])

    bulk.insert(Organisation, built, skip=["search_vector"])

    assert all(org.pk and not org._state.adding for org in built)
    stored = Organisation.objects.get(pk=built[1].pk)
    assert (stored.name, stored.sni_codes, stored.latitude) == ("Kopierad 1", ["81300"], Decimal("65.584819"))
    assert stored.description_sv == "Tab\toch ny\nrad, \\ och ”citat”"
    assert stored.code == built[1].code and stored.created_at is not None and stored.updated_at is not None
    reference = Organisation.objects.get(pk=compared.pk)
    assert stored.support_offered == reference.support_offered and stored.sni_version == reference.sni_version
    assert bulk.insert(Organisation, []) is None


@pytest.mark.django_db
def test_insert_links_writes_the_many_to_many_rows():
    org = OrganisationFactory()
    service = ServiceCategory.objects.get(slug="catering")
    bulk.insert_links(Organisation.services.through, ("organisation_id", "servicecategory_id"), [(org.pk, service.pk)])
    assert list(org.services.values_list("slug", flat=True)) == ["catering"]
