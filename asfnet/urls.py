from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from asfnet import views
from asfnet.account import views as account

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("todo/<slug:name>/", views.todo_list, name="todo_list"),
    path("figures/", include("reports.figures.urls")),  # coordinators: the network's key figures
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", account.overview, name="my_account"),
    path("account/my-data.zip", account.my_data, name="my_data"),
    path("account/delete/", account.erase, name="account_erase"),
    path("account/delete-person/", account.erase_person, name="erase_person"),  # coordinators
    path("accounts/", include("allauth.urls")),
    path("directory/", include("directory.urls")),
    path("forbund/", include("directory.forbund_settings.urls")),  # the förbund's coordinators: its own texts
    path("api/v1/", include("directory.api.urls")),
    path("matchmaking/", include("matchmaking.urls")),
    path("opportunities/", include("matchmaking.public_opportunities.urls")),  # public, no login
    path("events/", include("events.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("audit/", include("asfnet.audit.urls")),  # coordinators and the data protection officer
    path("admin/", admin.site.urls),
]

if settings.BENCH_ENDPOINTS:  # `make bench` only: the ceilings the search page is measured against
    urlpatterns.append(path("bench/", include("asfnet.bench_urls")))

handler400 = "asfnet.views.error_400"
handler403 = "asfnet.views.error_403"
handler404 = "asfnet.views.error_404"
handler500 = "asfnet.views.error_500"
