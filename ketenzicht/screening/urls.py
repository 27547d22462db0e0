from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("screening/", views.queue, name="queue"),
    path("beheer/instrumenten/", views.instruments, name="instruments"),
    path("screening/overdragen/", views.queue_assign, name="queue-assign"),
    path("zaken/<int:pk>/nemen/", views.take, name="take"),
    path("zaken/<int:pk>/screening/", views.screening_new, name="screening-new"),
    path(
        "zaken/<int:pk>/screening/<int:screening_pk>/tweede/", views.screening_second, name="screening-second"
    ),
]
