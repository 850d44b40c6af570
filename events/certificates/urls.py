"""Attendance certificates: the attendee's and the organiser's PDFs, the organiser's list, public verification."""

from django.urls import path

from events.certificates import views

urlpatterns = [
    path("r/<str:token>/certificate.pdf", views.guest_certificate, name="guest_certificate"),
    path("certificates/<str:code>/verify/", views.verify, name="certificate_verify"),
    path("registrations/<uuid:code>/certificate.pdf", views.certificate, name="certificate"),
    path("<uuid:code>/certificates/", views.event_certificates, name="certificates"),
    path("<uuid:code>/certificates.zip", views.certificates_zip, name="certificates_zip"),
]
