from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="shop"),
    path("checkout", views.checkout, name="shop-checkout"),
    path("result/<str:reference_no>", views.result, name="shop-result"),
    path("notify", views.notify, name="shop-notify"),
    path("linked/<str:reference_no>", views.linked, name="shop-linked"),
]
