"""SNAP paths, under /nicepay/ as NICEPAY serves them; the clients send no trailing slash, and one
added by hand is served too (a redirect would lose the POST)."""

from django.urls import path, re_path

from . import views

app_name = "snap"
urlpatterns = [
    re_path(r"^v1\.0/access-token/b2b/?$", views.access_token, name="access-token"),
    re_path(r"^api/v1\.0/debit/payment-host-to-host/?$", views.payment, name="payment"),
    re_path(r"^api/v1\.0/debit/status/?$", views.status, name="status"),
    re_path(r"^api/v1\.0/debit/refund/?$", views.refund, name="refund"),
    path("snap/public-key.pem", views.public_key_pem, name="public-key"),
    re_path(r"^(?:api/)?v1\.0/(?P<rest>.*)$", views.unsupported, name="unsupported"),
]
