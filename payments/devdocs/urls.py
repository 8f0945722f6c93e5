from django.urls import path

from . import views

app_name = "devdocs"
urlpatterns = [path("", views.index, name="index")]
