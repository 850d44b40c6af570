from django.urls import path

from directory.forbund_settings import views

app_name = "forbund"

urlpatterns = [
    path("settings/", views.edit, name="settings"),
]
