"""The open data API, mounted at /api/v1/ (asfnet/urls.py). The OpenAPI document (directory/api/openapi.py)
lists every path here; a test keeps them in step."""

from django.urls import path

from directory.api import views as api

app_name = "api"

urlpatterns = [
    path("", api.index, name="index"),
    path("organizations", api.organization_list, name="organization_list"),
    path("organizations/<str:organization_id>", api.organization_detail, name="organization_detail"),
    path("taxonomies/services", api.service_taxonomy, name="service_taxonomy"),
    path("openapi.json", api.openapi_document, name="openapi"),
    path("datapackage.zip", api.datapackage_download, name="datapackage"),
]
