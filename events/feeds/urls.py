"""iCalendar: one event, the public feed, an organiser's feed, the private "my events" feed and its page."""

from django.urls import path

from events.feeds import views

urlpatterns = [
    path("feed.ics", views.feed, name="feed"),
    path("organiser/<uuid:code>.ics", views.organiser_feed, name="organiser_feed"),
    path("my/<str:token>.ics", views.my_feed, name="my_feed"),
    path("my/calendar/", views.my_calendar, name="my_calendar"),
    path("<uuid:code>.ics", views.ics, name="ics"),
]
