from django.urls import path, re_path

from directory import views, views_io, views_map, views_profile, views_saved_searches

app_name = "directory"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views_io.import_organisations, name="import"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views_io.export, name="export"),
    path("org/<uuid:code>/", views.detail, name="detail"),
    path("org/<uuid:code>/edit/", views.edit, name="edit"),
    path("org/<uuid:code>/members/", views.members, name="members"),
    path("org/<uuid:code>/members/<uuid:member>/remove/", views.member_remove, name="member_remove"),
    path("org/<uuid:code>/logo/", views_profile.logo, name="logo"),
    path("org/<uuid:code>/logo/remove/", views_profile.logo_remove, name="logo_remove"),
    path("org/<uuid:code>/logo.png", views_profile.logo_image, name="logo_image"),
    path("org/<uuid:code>/certifications/", views_profile.certifications, name="certifications"),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/",
        views_profile.certification_edit,
        name="certification_edit",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/remove/",
        views_profile.certification_remove,
        name="certification_remove",
    ),
    path("org/<uuid:code>/history/", views_profile.history, name="history"),
    path("org/<uuid:code>/confirm/", views_profile.confirm, name="confirm"),
    path("org/<uuid:code>/verify/", views_profile.verify, name="verify"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("map/", views_map.map_view, name="map"),
    path("saved/", views_saved_searches.saved_search_list, name="saved_searches"),
    path("saved/new/", views_saved_searches.saved_search_create, name="saved_search_create"),
    path("saved/<uuid:code>/delete/", views_saved_searches.saved_search_delete, name="saved_search_delete"),
]
