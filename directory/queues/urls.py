"""The coordinators' work queues (/directory/queues/): anyone but a coordinator gets 404."""

from django.urls import path

from directory.queues import views

urlpatterns = [
    path("queues/", views.queues, name="queues"),  # coordinators
]
