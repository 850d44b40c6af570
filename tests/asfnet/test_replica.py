"""kernel.replica: which reads go to the streaming replica, and that nobody reads a stale copy of their own
write. The replica here is a second connection to the test database (the same rows, as after replication);
the scale-out run (scripts/scale_demo.py) uses a real streaming replica made with pg_basebackup."""

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from directory.factories import OrganisationFactory
from directory.forbund.registry import registry
from directory.models import Organisation
from kernel import replica
from kernel.replica import PIN_COOKIE, REPLICA, ReplicaRouter, replica_reads
from reports.indicators import esf_report

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture
def replica_alias(settings):
    settings.REPLICA_READS = True
    replica._down_until.clear()
    yield
    replica._down_until.clear()


@pytest.fixture
def dead_replica(replica_alias):
    connection = connections[REPLICA]
    connection.close()
    saved = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"  # nothing listens there: connection refused at once
    yield
    connection.close()
    connection.settings_dict["PORT"] = saved


def _queries(client_call):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[REPLICA]) as copy:
        response = client_call()
    return response, len(primary.captured_queries), len(copy.captured_queries)


def test_an_anonymous_directory_page_reads_from_the_replica(client, replica_alias):
    OrganisationFactory(name="Returen Återbruk")
    # The förbund registry is read from the primary when its cache is cold (host routing wants it fresh), once
    # an hour at most: warm, as every request but the first finds it.
    registry()
    response, on_primary, on_replica = _queries(lambda: client.get("/directory/"))
    assert response.status_code == 200
    assert "Returen Återbruk" in response.content.decode()
    assert on_replica > 0
    assert on_primary == 0


def test_a_logged_in_person_reads_from_the_primary(client, replica_alias, world):
    client.force_login(world.staff_a)
    response, on_primary, on_replica = _queries(lambda: client.get("/directory/"))
    assert response.status_code == 200
    assert on_replica == 0
    assert on_primary > 0


def test_pages_outside_the_replica_paths_read_from_the_primary(client, replica_alias):
    response, _on_primary, on_replica = _queries(lambda: client.get("/accessibility/"))
    assert response.status_code == 200
    assert on_replica == 0


def test_a_visitor_who_wrote_is_pinned_to_the_primary(client, replica_alias):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/directory/"})
    assert response.status_code == 302
    assert response.cookies[PIN_COOKIE]["max-age"] == 30
    response, _on_primary, on_replica = _queries(lambda: client.get("/directory/"))
    assert response.status_code == 200
    assert on_replica == 0


def test_a_write_ends_the_replica_reads_of_its_unit(replica_alias):
    organisation = OrganisationFactory(name="Café Kvarnen")
    primary = CaptureQueriesContext(connections["default"])
    copy = CaptureQueriesContext(connections[REPLICA])
    with primary, copy, replica_reads() as on_replica:
        assert on_replica is True
        Organisation.objects.get(pk=organisation.pk)
        assert len(copy.captured_queries) == 1
        Organisation.objects.filter(pk=organisation.pk).update(name="Café Kvarnen AB")
        assert Organisation.objects.get(pk=organisation.pk).name == "Café Kvarnen AB"
    assert len(copy.captured_queries) == 1
    assert len(primary.captured_queries) == 2


def test_a_replica_that_does_not_answer_is_skipped(client, dead_replica):
    OrganisationFactory(name="Returen Återbruk")
    response = client.get("/directory/")
    assert response.status_code == 200
    assert "Returen Återbruk" in response.content.decode()
    assert replica.available() is False  # marked down: not tried again on every request
    with replica_reads() as on_replica:
        assert on_replica is False
        assert Organisation.objects.filter(name="Returen Återbruk").exists()


def test_migrations_run_on_the_primary_only():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "directory") is True
    assert router.allow_migrate(REPLICA, "directory") is False


def test_without_replica_reads_nothing_changes(client):
    assert not replica.configured()
    assert client.get("/directory/").status_code == 200
    with replica_reads() as on_replica:
        assert on_replica is False


def test_a_report_aggregation_reads_from_the_replica_with_the_same_figures(replica_alias):
    from tests.reports.test_esf_indicators_queries import _project_with_participants

    project = _project_with_participants(6)
    on_primary_alone = esf_report(project, dt.date(2024, 1, 1), dt.date(2025, 12, 31)).indicators
    primary = CaptureQueriesContext(connections["default"])
    copy = CaptureQueriesContext(connections[REPLICA])
    with primary, copy, replica_reads() as on_replica:
        assert on_replica is True
        from_replica = esf_report(project, dt.date(2024, 1, 1), dt.date(2025, 12, 31)).indicators
    assert from_replica == on_primary_alone
    assert from_replica["EECO01"]["total"] == 6
    assert any("count(*) FILTER" in query["sql"] for query in copy.captured_queries)
    assert any("SET LOCAL jit = off" in query["sql"] for query in copy.captured_queries)
    assert not any("count(*) FILTER" in query["sql"] for query in primary.captured_queries)


def test_a_replica_that_stops_under_a_request_leaves_the_request_to_the_primary(client, replica_alias):
    """The replica is shut down while an anonymous API request reads from it (its connection is terminated and
    it accepts no new one): the client gets its answer, read again from the primary, not a 500; the replica is
    skipped from then on (scripts/scale_demo.py stops its replica under load)."""
    OrganisationFactory(name="Returen Återbruk")
    registry()
    connection = connections[REPLICA]
    connection.ensure_connection()
    saved = connection.settings_dict["PORT"]
    stopped = []

    def replica_stops(execute, sql, params, many, context):
        if not stopped and "directory_organisation" in sql:
            stopped.append(True)
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
            connection.settings_dict["PORT"] = "1"  # and it does not come back: connection refused
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(replica_stops):
            response, on_primary, _on_replica = _queries(lambda: client.get("/api/v1/organizations"))
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    assert stopped
    assert response.status_code == 200
    assert "Returen Återbruk" in response.content.decode()
    assert on_primary > 0
    assert not replica.available()  # skipped for REPLICA_RETRY_SECONDS


def test_a_database_error_on_a_replica_that_still_answers_is_not_hidden(client, replica_alias):
    """Only the replica going away is answered from the primary; any other database error stays an error."""
    from django.db import OperationalError

    OrganisationFactory(name="Returen Återbruk")
    registry()
    connections[REPLICA].ensure_connection()

    def statement_timeout(execute, sql, params, many, context):
        if "directory_organisation" in sql:
            raise OperationalError("canceling statement due to statement timeout")
        return execute(sql, params, many, context)

    client.raise_request_exception = False
    with connections[REPLICA].execute_wrapper(statement_timeout):
        response = client.get("/api/v1/organizations")
    assert response.status_code == 500
    assert replica.available()
