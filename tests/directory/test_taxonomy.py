"""The service taxonomy kept by coordinators (/directory/taxonomy/): list, create, edit, take out of use,
delete only what nothing uses; audited; refused input changes nothing; a change shows at once in the
directory's facets, its search and the cached open-data package."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from directory.models import ServiceCategory
from kernel.models import AuditLog
from tests.factories import OrganisationFactory, PartnerRequestFactory

LIST = "/directory/taxonomy/"


def _edit(slug: str) -> str:
    return reverse("directory:taxonomy_edit", kwargs={"slug": slug})


def _delete(slug: str) -> str:
    return reverse("directory:taxonomy_delete", kwargs={"slug": slug})


def _form(**values) -> dict:
    data = {"slug": "cykelverkstad", "name_sv": "Cykelverkstad", "name_en": "Bicycle repair", "position": 50}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def coordinator(client, world):
    client.force_login(world.coordinator)
    return world.coordinator


def test_the_list_is_at_directory_taxonomy_and_shows_both_names(client, coordinator, django_assert_max_num_queries):
    assert reverse("directory:taxonomy") == LIST
    ServiceCategory.objects.bulk_create(
        ServiceCategory(slug=f"extra-{n}", name_sv=f"Extra {n}", name_en=f"Extra {n}") for n in range(20)
    )
    with django_assert_max_num_queries(16):  # the page frame (session, user, MFA, unread count) and one list
        response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Återbruk och second hand" in html
    assert "Reuse and second hand" in html
    assert response.context["categories"].count() == ServiceCategory.objects.count()


@pytest.mark.parametrize("role", ["staff_a", "admin_a", "officer_x", "business_member"])
def test_other_people_are_refused(client, world, role):
    client.force_login(getattr(world, role))
    assert client.get(LIST).status_code == 403
    assert client.post(reverse("directory:taxonomy_create"), _form()).status_code == 403
    assert not ServiceCategory.objects.filter(slug="cykelverkstad").exists()


def test_a_coordinator_creates_a_category_audited_and_in_the_facets_at_once(client, coordinator):
    response = client.post(reverse("directory:taxonomy_create"), _form())
    assert response.status_code == 302
    category = ServiceCategory.objects.get(slug="cykelverkstad")
    assert (category.name_sv, category.name_en, category.active) == ("Cykelverkstad", "Bicycle repair", False)
    # A checkbox left out of the POST means "not in use": tick it explicitly.
    client.post(_edit("cykelverkstad"), _form(slug=None, active="on"))
    category.refresh_from_db()
    assert category.active
    assert AuditLog.objects.filter(action="taxonomy.create", target_id=str(category.pk)).count() == 1
    # At once a value of the service facet, shown by its Swedish name (a chosen value is listed with no results).
    path = reverse("directory:index") + "?service=cykelverkstad"
    result = client.get(path, HTTP_ACCEPT_LANGUAGE="sv").context["result"]
    assert "cykelverkstad" in result.filterset.filters["service"].extra["allowed"]
    assert ("cykelverkstad", "Cykelverkstad", True) in [
        (f.value, f.label, f.selected) for f in result.facets["service"]
    ]


def test_a_duplicate_identifier_is_refused_on_the_form_and_nothing_is_saved(client, coordinator):
    before = ServiceCategory.objects.count()
    response = client.post(reverse("directory:taxonomy_create"), _form(slug="catering"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert ServiceCategory.objects.count() == before
    assert not AuditLog.objects.filter(action="taxonomy.create").exists()


def test_a_personnummer_in_a_name_is_refused_in_swedish(client, coordinator):
    response = client.post(
        reverse("directory:taxonomy_create"), _form(name_sv="Kurs 19811218-9876"), HTTP_ACCEPT_LANGUAGE="sv"
    )
    assert response.status_code == 200
    assert "personnummer" in response.content.decode()
    assert not ServiceCategory.objects.filter(slug="cykelverkstad").exists()


def test_renaming_shows_at_once_in_facets_search_and_the_open_data_package(
    client, coordinator, world, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory(name="Cyklarna i Luleå", services=["snickeri"])
    position = ServiceCategory.objects.get(slug="snickeri").position
    package = client.get(reverse("api:datapackage")).content  # now cached
    assert "Snickeri" in zipfile.ZipFile(io.BytesIO(package)).read("services.csv").decode()

    with django_capture_on_commit_callbacks(execute=True):  # the cached package is dropped after the commit
        response = client.post(
            _edit("snickeri"),
            _form(slug=None, name_sv="Möbelsnickeri", name_en="Joinery", active="on", position=position),
        )
    assert response.status_code == 302

    facets = client.get(reverse("directory:index"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Möbelsnickeri" in facets
    found = client.get(reverse("directory:index"), {"q": "möbelsnickeri"}).context["result"].organisations
    assert organisation in list(found)
    package = client.get(reverse("api:datapackage")).content
    services_csv = zipfile.ZipFile(io.BytesIO(package)).read("services.csv").decode()
    assert "Möbelsnickeri" in services_csv
    entry = AuditLog.objects.get(action="taxonomy.update")
    assert sorted(entry.data["fields"]) == ["name_en", "name_sv"]


def test_taking_a_category_out_of_use_removes_it_from_the_facets(client, coordinator):
    client.post(_edit("tvatt"), _form(slug=None, name_sv="Tvätt", name_en="Laundry"))  # "active" not ticked
    assert not ServiceCategory.objects.get(slug="tvatt").active
    path = reverse("directory:index") + "?service=tvatt"
    result = client.get(path, HTTP_ACCEPT_LANGUAGE="sv").context["result"]
    assert "tvatt" not in result.filterset.filters["service"].extra["allowed"]
    assert "tvatt" not in [f.value for f in result.facets["service"]]
    assert result.filterset.form.cleaned_data["service"] == []  # a stale link's value is dropped, not a filter


def test_an_unused_category_is_deleted(client, coordinator):
    ServiceCategory.objects.create(slug="oanvand", name_sv="Oanvänd", name_en="Unused")
    response = client.post(_delete("oanvand"))
    assert response.status_code == 302
    assert not ServiceCategory.objects.filter(slug="oanvand").exists()
    assert AuditLog.objects.filter(action="taxonomy.delete").count() == 1


def test_a_category_an_organisation_uses_is_not_deleted(client, coordinator):
    OrganisationFactory(services=["montering"])
    response = client.post(_delete("montering"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert ServiceCategory.objects.filter(slug="montering").exists()
    assert "is used in 1 place" in response.content.decode()
    assert "Untick “in use” instead" in response.content.decode()
    assert not AuditLog.objects.filter(action="taxonomy.delete").exists()


def test_a_category_used_by_a_partner_request_in_another_app_is_not_deleted(client, coordinator, world):
    service = ServiceCategory.objects.create(slug="endast-forfragan", name_sv="Bara förfrågan", name_en="Request")
    PartnerRequestFactory(service=service)
    response = client.post(_delete("endast-forfragan"), follow=True, HTTP_ACCEPT_LANGUAGE="sv")
    assert ServiceCategory.objects.filter(slug="endast-forfragan").exists()
    assert "används på 1 ställe" in response.content.decode(), [str(m) for m in response.context["messages"]]


def test_the_identifier_cannot_be_changed_on_edit(client, coordinator):
    client.post(_edit("catering"), _form(slug="nytt-id", name_sv="Catering", name_en="Catering", active="on"))
    assert ServiceCategory.objects.filter(slug="catering").exists()
    assert not ServiceCategory.objects.filter(slug="nytt-id").exists()


def test_an_unknown_category_is_404(client, coordinator):
    assert client.get(_edit("finns-inte")).status_code == 404


def test_usage_counts_each_link_once_across_the_apps(world):
    from directory.taxonomy.services import category_usage

    service = ServiceCategory.objects.create(slug="raknad", name_sv="Räknad", name_en="Counted")
    assert category_usage(service) == 0
    OrganisationFactory(services=[service])
    PartnerRequestFactory(service=service)
    assert category_usage(service) == 2


def test_an_empty_post_says_what_is_missing_and_saves_nothing(client, coordinator):
    """A POST without any field is validated (kernel.forms.posted): before, `request.POST or None` drew the
    blank form again without a word."""
    before = ServiceCategory.objects.count()
    response = client.post(reverse("directory:taxonomy_create"), {}, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    assert response.context["form"].is_bound
    assert set(response.context["form"].errors) == {"slug", "name_sv", "name_en", "position"}
    assert ServiceCategory.objects.count() == before
