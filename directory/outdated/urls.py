"""The report form on every public profile (anyone) and the list of open reports (members and coordinators)."""

from django.urls import path

from directory.outdated import views

urlpatterns = [
    path("org/<uuid:code>/report/", views.report, name="outdated_report"),
    path("org/<uuid:code>/reports/", views.report_list, name="outdated_reports"),
    path("org/<uuid:code>/reports/<uuid:report>/close/", views.report_close, name="outdated_report_close"),
]
