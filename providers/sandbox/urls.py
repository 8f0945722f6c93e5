from django.urls import include, path

from . import simulators, views
from .core import SIMULATORS

simulators.load()

app_name = "sandbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("simulate", views.simulate, name="simulate"),
    path("shop/", include("providers.sandbox.shop.urls")),
] + [path(f"{slug}/", include(sim.urlpatterns())) for slug, sim in SIMULATORS.items()]
