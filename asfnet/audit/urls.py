from django.urls import path

from asfnet.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.log, name="log"),
    path("audit.csv", views.export, name="export"),
]
