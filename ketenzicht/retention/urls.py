"""The privacy officer's page of the retention periods, under /privacy/bewaartermijnen/."""

from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("", views.overview_page, name="overview"),
]
