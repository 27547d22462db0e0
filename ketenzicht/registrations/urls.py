from django.urls import path

from . import views

app_name = "registrations"
urlpatterns = [
    path("", views.registration_list, name="list"),
    path("<int:pk>/", views.registration_detail, name="detail"),
]
