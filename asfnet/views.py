"""Site-wide pages: home, health probes, accessibility statement, privacy notice, error pages."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from asfnet import accessibility as accessibility_facts
from asfnet import processing, showcase
from directory.forbund.middleware import request_forbund
from directory.forbund.registry import registry
from directory.selectors import memberships_with_completeness
from kernel import todos
from kernel.cache import SentinelMasterPool
from kernel.pagination import paginate
from kernel.request_context import current_request_id

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The förbund's front page on its host; on a national host of an installation with förbund, the national
    front page: every förbund with a link to its portal (same scheme and port as this request), and the
    national directory and calendar."""
    portals = []
    if request_forbund(request) is None:
        _domain, port = split_domain_port(request.get_host())
        suffix = f":{port}" if port else ""
        portals = [
            {"forbund": each, "url": f"{request.scheme}://{each.host}{suffix}/" if each.host else ""}
            for each in registry().forbund
        ]
    context = {
        # Empty on a förbund's host and in an installation without förbund (templates/home.html).
        "forbund_portals": portals,
        "role": request.actor.role,
        # Each with `.completeness` for the members' checklist, in a fixed number of queries.
        "my_memberships": memberships_with_completeness(list(request.actor.memberships)),
        # What an ASF is, a selection of them, events, opportunities and numbers (asfnet/showcase.py).
        "showcase": showcase.home_showcase(actor=request.actor),
        # What waits for this person, by source, oldest first (kernel/todos.py; the apps' todos.py modules).
        "todo_groups": todos.todo_groups(request.actor, now=timezone.now()) if request.actor.is_authenticated else [],
    }
    return render(request, "home.html", context)


TODO_PAGE_SIZE = 25


@login_required
@require_GET
def todo_list(request: HttpRequest, name: str) -> HttpResponse:
    """Everything one to-do source holds for this person, oldest first, a page at a time. A source that is not
    for the person's role does not exist for them (404)."""
    source = todos.todo_source(request.actor, name)
    if source is None:
        raise Http404
    now = timezone.now()
    page = paginate(request, source.rows(request.actor, now), TODO_PAGE_SIZE)
    items = [source.item(row, now) for row in page.object_list]
    return render(request, "pages/todo_list.html", {"source": source, "page": page, "items": items})


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The statement, with what the latest automated check of every page found (asfnet/accessibility.py)."""
    context = {
        "evaluation": accessibility_facts.evaluation(),
        "known_gaps": accessibility_facts.KNOWN_GAPS,
        "contact_email": settings.OPERATOR_EMAIL,  # on the national host; a förbund's page gives its own
        "first_published": accessibility_facts.STATEMENT_FIRST_PUBLISHED,
    }
    return render(request, "pages/accessibility.html", context)


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice, with the record of processing drawn from the declaration the purge applies."""
    return render(request, "pages/privacy.html", {"processing": processing.PROCESSING})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches no dependency, so it answers while they are down."""
    return JsonResponse({"status": "ok"})


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:
        logger.warning("readyz: database not reachable", exc_info=True)
        return False


def _check_broker() -> bool:
    if not settings.REDIS_URL:
        return True  # embedded default: tasks run in-process, no broker to reach
    try:
        if settings.CELERY_BROKER_URL.startswith("sentinel://"):
            # Redis Sentinel: ping the master the sentinels name now (settings.py, docs/scaling.md).
            first = settings.CELERY_BROKER_URL.split(";")[0].replace("sentinel://", "redis://", 1)
            pool = SentinelMasterPool.from_url(
                first,
                sentinels=[
                    (urlsplit(u).hostname, urlsplit(u).port or 26379) for u in settings.CELERY_BROKER_URL.split(";")
                ],
                service_name=settings.CELERY_BROKER_TRANSPORT_OPTIONS["master_name"],
                sentinel_kwargs=settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("sentinel_kwargs"),
                socket_connect_timeout=1,
                socket_timeout=1,
            )
            client = redis.Redis(connection_pool=pool)
        else:
            client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except Exception:
        logger.warning("readyz: broker not reachable", exc_info=True)
        return False


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database and the broker answer, 503 otherwise. Which one failed is told
    only to coordinators; anonymous clients learn nothing about the insides."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    ok = all(checks.values())
    body: dict[str, object] = {"status": "ok" if ok else "unavailable"}
    if request.actor.is_coordinator:
        body["checks"] = {name: "ok" if good else "down" for name, good in checks.items()}
    return JsonResponse(body, status=200 if ok else 503)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    """A plain page with the incident id, which is the request id written on every log line of the
    request (Django has already logged the traceback with it). No template context processors run: the
    page must render even when the database is what failed."""
    incident = getattr(request, "request_id", "") or current_request_id() or "-"
    logger.error("server error; incident id %s", incident)

    template = loader.get_template("500.html")
    return HttpResponse(template.render({"incident_id": incident, "LANGUAGE_CODE": "sv"}), status=500)
