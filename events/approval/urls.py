"""The organiser accepts or refuses a registration awaiting approval (from the registrations page)."""

from django.urls import path

from events.approval import views

urlpatterns = [
    path("<uuid:code>/registrations/<uuid:registration>/decide/", views.decide, name="registration_decide"),
]
