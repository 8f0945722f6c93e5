"""NICEPAY V2 paths, under /nicepay/ exactly as NICEPAY serves them."""

from django.urls import path, re_path

from . import linking_views, receipt_views, redirect_views, views

app_name = "nicepay"
urlpatterns = [
    path("direct/v2/registration", views.registration_view, name="registration"),
    path("direct/v2/payment", views.payment_view, name="payment"),
    path("direct/v2/inquiry", views.inquiry_view, name="inquiry"),
    path("direct/v2/cancel", views.cancel_view, name="cancel"),
    path("api/direct/v2/confirmAkulaku", receipt_views.confirm_akulaku, name="confirm-akulaku"),
    path("direct/v2/confirmAkulaku", receipt_views.confirm_akulaku, name="confirm-akulaku-legacy"),
    path("redirect/v2/registration", redirect_views.registration_view, name="redirect-registration"),
    path("redirect/v2/payment", redirect_views.payment_view, name="redirect-payment"),
    path("redirect/v2/payment/<str:token>", redirect_views.payment_view, name="redirect-payment-signed"),
    path("api/linkEnable.do", linking_views.link_enable, name="link-enable"),
    path("api/linkInitiate.do", linking_views.link_initiate, name="link-initiate"),
    # Anything else (a trailing slash, a typo) is a V2 answer too, never an HTML 404. SNAP's own
    # paths (v1.0/, api/v1.0/) keep SNAP's statuses.
    re_path(r"^(?!v1\.0/|api/v1\.0/)", views.unknown_path, name="unknown"),
]
