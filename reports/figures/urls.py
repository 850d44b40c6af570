from django.urls import path

from reports.figures import views

app_name = "figures"

urlpatterns = [
    path("", views.index, name="index"),
]
