"""Customer pages and the partner-facing endpoints of the gateway."""

from django.urls import path

from payments.nicepay import linking_views

from . import checkout_views, link_views, logo_views, partner_views, views

app_name = "hosted"
urlpatterns = [
    # A partner's server notification (machine to machine, no CSRF).
    path("partners/<str:mitra_cd>/notify", partner_views.partner_notify, name="partner-notify"),
    # Customer pages: /pay/<tXid>/<page secret>/... (payments.customer_access).
    path("pay/<str:txid>/<str:token>/", checkout_views.checkout_page, name="checkout"),
    path("pay/<str:txid>/<str:token>/method/<str:mitra_cd>", checkout_views.method_page, name="method"),
    path("pay/<str:txid>/<str:token>/linked", checkout_views.astrapay_linked, name="linked"),
    path("pay/<str:txid>/<str:token>/retry", checkout_views.retry, name="retry"),
    path("pay/<str:txid>/<str:token>/abandon", checkout_views.abandon, name="abandon"),
    path("pay/<str:txid>/<str:token>/return", views.payment_return, name="return"),
    path("pay/<str:txid>/<str:token>/cancel", views.payment_cancelled, name="cancelled"),
    path("pay/<str:txid>/<str:token>/wait", views.payment_wait, name="wait"),
    path("pay/<str:txid>/<str:token>/status", views.payment_status, name="status"),
    path("l/<str:code>", link_views.payment_link_page, name="payment-link"),
    path("checkout-logo/<str:imid>/<int:version>", logo_views.logo, name="logo"),
    # AstraPay account binding: the browser back from the partner.
    path("link/<str:mandate_id>/<str:token>/finish", linking_views.link_finish, name="link-finish"),
]
