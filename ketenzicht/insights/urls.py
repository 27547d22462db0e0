from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("inzicht/", views.figures_page, name="figures"),
    path("inzicht/export.csv", views.figures_export, name="export"),
    path("inzicht/tellen/", views.recount_page, name="recount"),
]
