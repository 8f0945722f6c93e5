from django.urls import include, path
from django.views.i18n import set_language

from . import views
from .core import SIMULATORS

app_name = "sandbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("simulate", views.simulate, name="simulate"),
    path("simulate/form", views.simulate_form, name="simulate-form"),
    path("refund-control", views.refund_control, name="refund-control"),
    path("language", set_language, name="set-language"),
    path("shop/", include("providers.sandbox.shop.urls")),
] + [path(f"{slug}/", include(sim.urlpatterns())) for slug, sim in SIMULATORS.items()]
