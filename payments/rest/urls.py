from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import errors, views

app_name = "rest"

# tXids are alphanumeric; anything else is simply not found (and never reaches the database).
TXID = r"(?P<txid>[A-Za-z0-9]{1,30})"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI only: drf-spectacular's Redoc page pulls Google Fonts, and no page may use a CDN.
    path("docs/", SpectacularSwaggerView.as_view(url_name="rest:schema"), name="docs"),
    path("v1/transactions", views.TransactionListApi.as_view(), name="transaction-list"),
    re_path(rf"^v1/transactions/{TXID}$", views.TransactionDetailApi.as_view(), name="transaction-detail"),
    re_path(rf"^v1/transactions/{TXID}/sync$", views.TransactionSyncApi.as_view(), name="transaction-sync"),
    path("v1/notifications", views.NotificationListApi.as_view(), name="notification-list"),
    path("v1/notifications/replay", views.NotificationReplayApi.as_view(), name="notification-replay"),
    path(
        "v1/notifications/<int:notification_id>",
        views.NotificationDetailApi.as_view(),
        name="notification-detail",
    ),
    path(
        "v1/notifications/<int:notification_id>/resend",
        views.NotificationResendApi.as_view(),
        name="notification-resend",
    ),
    re_path(r"^", errors.not_found),  # last: any other /api/ path answers in the API's error shape
]
