from django.urls import include, path

from directory import views

app_name = "directory"

# The directory's own pages (directory/views.py); each feature's routes are in its urls.py beside its views.
urlpatterns = [
    path("", views.index, name="index"),
    path("org/<uuid:code>/", views.detail, name="detail"),
    path("org/<uuid:code>/edit/", views.edit, name="edit"),
    path("org/<uuid:code>/members/", views.members, name="members"),
    path("org/<uuid:code>/members/<uuid:member>/remove/", views.member_remove, name="member_remove"),
    path(
        "org/<uuid:code>/invitations/<uuid:invitation>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("", include("directory.import_export.urls")),
    path("", include("directory.profile.urls")),
    path("", include("directory.outdated.urls")),
    path("", include("directory.merge.urls")),
    path("", include("directory.map.urls")),
    path("", include("directory.queues.urls")),
    path("", include("directory.taxonomy.urls")),
    path("", include("directory.saved_searches.urls")),
]
