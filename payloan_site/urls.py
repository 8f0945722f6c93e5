from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from payments import admin_login, ops_views

urlpatterns = [
    # The address `make run` prints: people who open it want the dashboard (its sign-in if signed out).
    path("", RedirectView.as_view(pattern_name="dashboard:home", permanent=False)),
    path("admin/login/", admin_login.login_view),  # throttled; the rest of the admin as Django's
    path("admin/", admin.site.urls),
    path("healthz", ops_views.healthz, name="healthz"),
    path("healthz/live", ops_views.healthz_live, name="healthz-live"),
    path("healthz/ready", ops_views.healthz_ready, name="healthz-ready"),
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("nicepay/", include("payments.snap.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # the shopper pages' language switch
    path("nicepay/", include("payments.nicepay.urls")),
    path("", include("payments.hosted.urls")),
    path("dashboard/", include("payments.dashboard.urls")),
    path("api/", include("payments.rest.urls")),
    path("docs/", include("payments.devdocs.urls")),
]
if settings.SANDBOX:
    urlpatterns.append(path("sandbox/", include("providers.sandbox.urls")))

handler400 = "payments.ops_views.error_400"
handler403 = "payments.ops_views.error_403"
handler404 = "payments.ops_views.error_404"
handler500 = "payments.ops_views.error_500"
