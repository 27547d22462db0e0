from django.urls import path

from . import break_glass_views, views

app_name = "dossiers"

urlpatterns = [
    path("", views.person_search, name="search"),
    path("doorbreken/", break_glass_views.person_search_break_glass, name="search-break-glass"),
    path("<int:person_id>/", views.person_dossier, name="dossier"),
    path("<int:person_id>/doorbreken/", break_glass_views.person_break_glass, name="break-glass"),
]
