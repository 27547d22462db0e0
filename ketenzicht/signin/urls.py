from django.urls import path

from . import views

urlpatterns = [
    path("", views.second_factor, name="second_factor"),
    path("instellen/", views.second_factor_setup, name="second_factor_setup"),
]
