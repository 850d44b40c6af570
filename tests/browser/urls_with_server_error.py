"""The site's URLs and one view that fails: the 500 page as a visitor meets it (tests/browser/test_a11y_registry)."""

from django.urls import path

from asfnet.urls import handler400, handler403, handler404, handler500
from asfnet.urls import urlpatterns as site_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def fail(request):
    raise RuntimeError("a failure on purpose: the 500 page is checked")


urlpatterns = [path("__a11y__/server-error/", fail), *site_urlpatterns]
