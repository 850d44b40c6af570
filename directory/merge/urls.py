"""Merging duplicates, for coordinators: find the duplicate of an organisation, see what will move, merge."""

from django.urls import path

from directory.merge import views

urlpatterns = [
    path("org/<uuid:code>/merge/", views.merge, name="merge"),
    path("org/<uuid:code>/merge/<uuid:duplicate>/", views.merge_confirm, name="merge_confirm"),
]
