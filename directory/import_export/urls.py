"""Import of organisations from CSV (coordinators only) and export of a search as CSV/XLSX (anyone who can search)."""

from django.urls import path, re_path

from directory.import_export import views

urlpatterns = [
    path("import/", views.import_organisations, name="import"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]
