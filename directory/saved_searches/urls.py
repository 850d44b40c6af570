"""Saved searches: list, save and delete them. Logged-in users only, each their own (anyone else's → 404)."""

from django.urls import path

from directory.saved_searches import views

urlpatterns = [
    path("saved/", views.saved_search_list, name="saved_searches"),
    path("saved/new/", views.saved_search_create, name="saved_search_create"),
    path("saved/<uuid:code>/delete/", views.saved_search_delete, name="saved_search_delete"),
]
