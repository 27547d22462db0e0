"""The privacy officer's review of break-the-glass accesses, under /privacy/doorbraken/."""

from django.urls import path

from . import break_glass_views

app_name = "break_glass"

urlpatterns = [
    path("", break_glass_views.review_list, name="list"),
    path("<int:pk>/", break_glass_views.review_decide, name="decide"),
]
