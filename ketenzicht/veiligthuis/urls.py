from django.urls import path

from . import views

app_name = "veiligthuis"

urlpatterns = [
    path("veiligthuis/", views.inbox, name="inbox"),
    path("veiligthuis/tijdigheid/", views.timeliness_page, name="timeliness"),
    path("veiligthuis/terugkoppeling/", views.feedback_page, name="feedback"),
    path("veiligthuis/overdragen/", views.inbox_hand_over, name="inbox-hand-over"),
    path("veiligthuis/<int:pk>/nemen/", views.take, name="take"),
    path("veiligthuis/<int:pk>/doorsturen/", views.forward, name="forward"),
    path("veiligthuis/<int:pk>/opgepakt/", views.take_up, name="take-up"),
]
