from django.urls import include, path

from events import views

app_name = "events"

# The calendar's own pages (events/views.py); each feature's routes are in its urls.py beside its views.
urlpatterns = [
    path("", views.index, name="index"),
    path("month/<int:year>/<int:month>/", views.month, name="month"),
    path("new/", views.create, name="create"),
    path("retention/", views.retention, name="retention"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/edit/", views.edit, name="edit"),
    path("<uuid:code>/publish/", views.publish, name="publish"),
    path("<uuid:code>/cancel/", views.cancel, name="cancel"),
    path("", include("events.feeds.urls")),
    path("", include("events.ics_import.urls")),
    path("", include("events.series.urls")),
    path("", include("events.registration.urls")),
    path("", include("events.certificates.urls")),
    path("", include("events.attendance.urls")),
    path("", include("events.closing.urls")),
    path("", include("events.approval.urls")),
    path("", include("events.questions.urls")),
    path("", include("events.messaging.urls")),
]
