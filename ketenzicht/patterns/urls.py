from django.urls import path

from . import views

app_name = "patterns"
urlpatterns = [
    path("", views.signal_list, name="signal-list"),
    path("<int:pk>/", views.signal_detail, name="signal-detail"),
    path("<int:pk>/actie/", views.signal_act, name="signal-act"),
]
