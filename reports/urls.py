from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<uuid:code>/", views.run_detail, name="run_detail"),
    path("runs/<uuid:code>/download.<str:fmt>", views.download, name="download"),
    path("runs/<uuid:code>/delivered/", views.run_deliver, name="run_deliver"),
    path("support/", views.support_list, name="support_list"),
    path("support/new/", views.support_create, name="support_create"),
    path("support/import/", views.support_import, name="support_import"),
]
