from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.index, name="index"),
    path("month/<int:year>/<int:month>/", views.month, name="month"),
    path("feed.ics", views.feed, name="feed"),
    path("organiser/<uuid:code>.ics", views.organiser_feed, name="organiser_feed"),
    path("my/<str:token>.ics", views.my_feed, name="my_feed"),
    path("my/calendar/", views.my_calendar, name="my_calendar"),
    path("new/", views.create, name="create"),
    path("retention/", views.retention, name="retention"),
    path("r/<str:token>/", views.registration_link, name="registration_link"),
    path("<uuid:code>.ics", views.ics, name="ics"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/register/", views.register, name="register"),
    path("<uuid:code>/register/group/", views.register_group, name="register_group"),
    path("<uuid:code>/register/guest/", views.register_guest, name="register_guest"),
    path("<uuid:code>/unregister/", views.unregister, name="unregister"),
    path("<uuid:code>/accept/", views.accept_offer, name="accept_offer"),
    path("<uuid:code>/edit/", views.edit, name="edit"),
    path("<uuid:code>/publish/", views.publish, name="publish"),
    path("<uuid:code>/cancel/", views.cancel, name="cancel"),
    path("<uuid:code>/attendance/", views.attendance, name="attendance"),
    path("<uuid:code>/attendance/export.<str:fmt>", views.attendance_export, name="attendance_export"),
    path("<uuid:code>/checkin/", views.checkin, name="checkin"),
]
