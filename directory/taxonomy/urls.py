"""The service taxonomy pages (/directory/taxonomy/): coordinators only (others 403, visitors to login)."""

from django.urls import path

from directory.taxonomy import views

urlpatterns = [
    path("taxonomy/", views.category_list, name="taxonomy"),
    path("taxonomy/new/", views.category_create, name="taxonomy_create"),
    path("taxonomy/<slug:slug>/", views.category_edit, name="taxonomy_edit"),
    path("taxonomy/<slug:slug>/delete/", views.category_delete, name="taxonomy_delete"),
]
