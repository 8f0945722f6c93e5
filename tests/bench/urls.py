from django.urls import path

from payloan_site.urls import *  # noqa: F403
from payloan_site.urls import urlpatterns as gateway
from tests.bench.baseline import views

urlpatterns = [
    path("bench/insert", views.insert),
    path("bench/read", views.read),
    *gateway,
]
