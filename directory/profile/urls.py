"""Profile upkeep pages: logo, certifications, history, confirmation, verification (members and coordinators)."""

from django.urls import path

from directory.profile import views

urlpatterns = [
    path("org/<uuid:code>/logo/", views.logo, name="logo"),
    path("org/<uuid:code>/logo/remove/", views.logo_remove, name="logo_remove"),
    path("org/<uuid:code>/logo.png", views.logo_image, name="logo_image"),
    path("org/<uuid:code>/certifications/", views.certifications, name="certifications"),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/",
        views.certification_edit,
        name="certification_edit",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/remove/",
        views.certification_remove,
        name="certification_remove",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/evidence/",
        views.certification_evidence,
        name="certification_evidence",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/evidence.pdf",
        views.certification_evidence_file,
        name="certification_evidence_file",
    ),
    path(
        "org/<uuid:code>/certifications/<uuid:certification>/decide/",
        views.certification_decide,
        name="certification_decide",
    ),
    path("certifications/pending/", views.certifications_pending, name="certifications_pending"),
    path("org/<uuid:code>/history/", views.history, name="history"),
    path("org/<uuid:code>/confirm/", views.confirm, name="confirm"),
    path("org/<uuid:code>/verify/", views.verify, name="verify"),
]
