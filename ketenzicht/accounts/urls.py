from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("beheer/gebruikers/", views.users, name="users"),
    path("beheer/gebruikers/nieuw/", views.user_new, name="user-new"),
    path("beheer/gebruikers/<int:pk>/", views.user_page, name="user"),
    path("beheer/gebruikers/<int:pk>/deactiveren/", views.user_deactivate, name="user-deactivate"),
    path("beheer/gebruikers/<int:pk>/verplaatsen/", views.user_move, name="user-move"),
    path("beheer/eenheden/", views.units, name="units"),
]
