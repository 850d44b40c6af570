"""The directory map: the current search result on a map and as a table (anyone who can search)."""

from django.urls import path

from directory.map import views

urlpatterns = [
    path("map/", views.map_view, name="map"),
]
