"""Customer pages and the partner-facing endpoints of the gateway."""

from django.urls import path

from payments.nicepay import linking_views

from . import partner_views, views

app_name = "hosted"
urlpatterns = [
    # A partner's server notification (machine to machine, no CSRF).
    path("partners/<str:mitra_cd>/notify", partner_views.partner_notify, name="partner-notify"),
    # The customer's browser, back from the partner.
    path("pay/<str:txid>/return", views.payment_return, name="return"),
    path("pay/<str:txid>/cancel", views.payment_cancelled, name="cancelled"),
    path("pay/<str:txid>/wait", views.payment_wait, name="wait"),
    path("pay/<str:txid>/status", views.payment_status, name="status"),
    # AstraPay account binding: the browser back from the partner.
    path("link/<str:mandate_id>/finish", linking_views.link_finish, name="link-finish"),
]
