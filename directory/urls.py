from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("", views.index, name="index"),
    path("org/<uuid:code>/", views.detail, name="detail"),
    path("org/<uuid:code>/edit/", views.edit, name="edit"),
    path("org/<uuid:code>/members/", views.members, name="members"),
    path("org/<uuid:code>/members/<uuid:member>/remove/", views.member_remove, name="member_remove"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
