"""Registering for an event (a member, a group, a guest), leaving, accepting an offered place, the e-mail link."""

from django.urls import path

from events.registration import views

urlpatterns = [
    path("r/<str:token>/", views.registration_link, name="registration_link"),
    path("<uuid:code>/register/", views.register, name="register"),
    path("<uuid:code>/register/group/", views.register_group, name="register_group"),
    path("<uuid:code>/register/guest/", views.register_guest, name="register_guest"),
    path("<uuid:code>/unregister/", views.unregister, name="unregister"),
    path("<uuid:code>/accept/", views.accept_offer, name="accept_offer"),
]
