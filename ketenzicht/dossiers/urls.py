from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("", views.person_search, name="search"),
    path("<int:person_id>/", views.person_dossier, name="dossier"),
]
