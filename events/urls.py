from django.urls import path

from events import views
from events.approval import views as approval
from events.attendance import views as attendance
from events.certificates import views as certificates
from events.closing import views as closing
from events.feeds import views as feeds
from events.ics_import import views as ics_import
from events.messaging import views as messaging
from events.questions import views as questions
from events.registration import views as registration
from events.series import views as series

app_name = "events"

urlpatterns = [
    path("", views.index, name="index"),
    path("month/<int:year>/<int:month>/", views.month, name="month"),
    path("feed.ics", feeds.feed, name="feed"),
    path("organiser/<uuid:code>.ics", feeds.organiser_feed, name="organiser_feed"),
    path("my/<str:token>.ics", feeds.my_feed, name="my_feed"),
    path("my/calendar/", feeds.my_calendar, name="my_calendar"),
    path("new/", views.create, name="create"),
    path("retention/", views.retention, name="retention"),
    path("import/", ics_import.import_calendar, name="ics_import"),
    path("series/<uuid:code>/", series.series, name="series"),
    path("series/<uuid:code>/skip/", series.skip, name="series_skip"),
    path("series/<uuid:code>/questions/", series.series_questions, name="series_questions"),
    path("series/<uuid:code>/questions/<int:pk>/delete/", series.series_question_delete, name="series_question_delete"),
    path("r/<str:token>/", registration.registration_link, name="registration_link"),
    path("r/<str:token>/certificate.pdf", certificates.guest_certificate, name="guest_certificate"),
    path("certificates/<str:code>/verify/", certificates.verify, name="certificate_verify"),
    path("registrations/<uuid:code>/certificate.pdf", certificates.certificate, name="certificate"),
    path("<uuid:code>.ics", feeds.ics, name="ics"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/register/", registration.register, name="register"),
    path("<uuid:code>/register/group/", registration.register_group, name="register_group"),
    path("<uuid:code>/register/guest/", registration.register_guest, name="register_guest"),
    path("<uuid:code>/unregister/", registration.unregister, name="unregister"),
    path("<uuid:code>/accept/", registration.accept_offer, name="accept_offer"),
    path("<uuid:code>/edit/", views.edit, name="edit"),
    path("<uuid:code>/publish/", views.publish, name="publish"),
    path("<uuid:code>/repeat/", series.repeat, name="repeat"),
    path("<uuid:code>/cancel/", views.cancel, name="cancel"),
    path("<uuid:code>/attendance/", attendance.attendance, name="attendance"),
    path("<uuid:code>/attendance/export.<str:fmt>", attendance.attendance_export, name="attendance_export"),
    path("<uuid:code>/checkin/", attendance.checkin, name="checkin"),
    path("<uuid:code>/certificates/", certificates.event_certificates, name="certificates"),
    path("<uuid:code>/certificates.zip", certificates.certificates_zip, name="certificates_zip"),
    path("<uuid:code>/closing/", closing.closing_report, name="closing_report"),
    path("<uuid:code>/registrations/<uuid:registration>/decide/", approval.decide, name="registration_decide"),
    path("<uuid:code>/questions/", questions.questions, name="questions"),
    path("<uuid:code>/questions/<int:pk>/delete/", questions.question_delete, name="question_delete"),
    path("<uuid:code>/messages/", messaging.compose, name="messages"),
]
