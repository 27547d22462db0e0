from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("", views.registration_new, name="new"),
    path("persoon/", views.person_row, name="person-row"),
    path("relatie/", views.relation_row, name="relation-row"),
]
