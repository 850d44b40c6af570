"""kernel.decorators.checked_first: the one way a view decorator refuses (role_required, the förbund-only pages,
the support recorder's pages are built on it)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from kernel.decorators import checked_first


def _view(request, code):
    return HttpResponse(f"page {code}")


def _refuse(request):
    raise PermissionDenied


def test_a_passing_check_lets_the_view_answer_with_its_arguments(rf: RequestFactory):
    seen = []
    view = checked_first(seen.append)(_view)
    request = rf.get("/x/")
    assert view(request, code="7").content == b"page 7"
    assert seen == [request]
    assert view.__name__ == "_view"


@pytest.mark.parametrize(("refusal", "status"), [(PermissionDenied, 403), (Http404, 404)])
def test_a_refusing_check_raises_before_the_view_runs(rf: RequestFactory, refusal, status):
    ran = []

    def check(request):
        raise refusal

    def view(request):
        ran.append(request)
        return HttpResponse("page")

    with pytest.raises(refusal):
        checked_first(check)(view)(rf.get("/x/"))
    assert ran == []


def test_with_login_an_anonymous_visitor_goes_to_the_login_page_before_the_check(rf: RequestFactory):
    request = rf.get("/x/")
    request.user = AnonymousUser()
    response = checked_first(_refuse, login=True)(_view)(request, code="7")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/x/"
