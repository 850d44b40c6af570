from django.urls import path

from directory.forbund_settings import views

app_name = "forbund"

urlpatterns = [
    path("settings/", views.edit, name="settings"),
    path("settings/logo/", views.logo_upload, name="logo_upload"),
    path("settings/logo/remove/", views.logo_remove, name="logo_remove"),
    path("logo.png", views.logo, name="logo"),
]
