from django.urls import path, re_path

from directory import views
from directory.import_export import views as import_export
from directory.map import views as map_views
from directory.merge import views as merge
from directory.outdated import views as outdated
from directory.profile import views as profile
from directory.queues import views as queues
from directory.saved_searches import views as saved_searches
from directory.taxonomy import views as taxonomy

app_name = "directory"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", import_export.import_organisations, name="import"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", import_export.export, name="export"),
    path("org/<uuid:code>/", views.detail, name="detail"),
    path("org/<uuid:code>/edit/", views.edit, name="edit"),
    path("org/<uuid:code>/members/", views.members, name="members"),
    path("org/<uuid:code>/members/<uuid:member>/remove/", views.member_remove, name="member_remove"),
    path(
        "org/<uuid:code>/invitations/<uuid:invitation>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("org/<uuid:code>/logo/", profile.logo, name="logo"),
    path("org/<uuid:code>/logo/remove/", profile.logo_remove, name="logo_remove"),
    path("org/<uuid:code>/logo.png", profile.logo_image, name="logo_image"),
    path("org/<uuid:code>/certifications/", profile.certifications, name="certifications"),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/",
        profile.certification_edit,
        name="certification_edit",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/remove/",
        profile.certification_remove,
        name="certification_remove",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/evidence/",
        profile.certification_evidence,
        name="certification_evidence",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/evidence.pdf",
        profile.certification_evidence_file,
        name="certification_evidence_file",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/decide/",
        profile.certification_decide,
        name="certification_decide",
    ),
    path("certifications/pending/", profile.certifications_pending, name="certifications_pending"),
    path("org/<uuid:code>/history/", profile.history, name="history"),
    path("org/<uuid:code>/confirm/", profile.confirm, name="confirm"),
    path("org/<uuid:code>/verify/", profile.verify, name="verify"),
    path("org/<uuid:code>/report/", outdated.report, name="outdated_report"),
    path("org/<uuid:code>/reports/", outdated.report_list, name="outdated_reports"),
    path("org/<uuid:code>/reports/<uuid:report>/close/", outdated.report_close, name="outdated_report_close"),
    path("org/<uuid:code>/merge/", merge.merge, name="merge"),
    path("org/<uuid:code>/merge/<uuid:duplicate>/", merge.merge_confirm, name="merge_confirm"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("map/", map_views.map_view, name="map"),
    path("queues/", queues.queues, name="queues"),  # coordinators
    path("taxonomy/", taxonomy.category_list, name="taxonomy"),
    path("taxonomy/new/", taxonomy.category_create, name="taxonomy_create"),
    path("taxonomy/<slug:slug>/", taxonomy.category_edit, name="taxonomy_edit"),
    path("taxonomy/<slug:slug>/delete/", taxonomy.category_delete, name="taxonomy_delete"),
    path("saved/", saved_searches.saved_search_list, name="saved_searches"),
    path("saved/new/", saved_searches.saved_search_create, name="saved_search_create"),
    path("saved/<uuid:code>/delete/", saved_searches.saved_search_delete, name="saved_search_delete"),
]
