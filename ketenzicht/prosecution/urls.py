from django.urls import path

from . import views

app_name = "prosecution"

urlpatterns = [
    path("zsm/", views.desk, name="desk"),
    path("zsm/landelijk/", views.national, name="national"),
    path("zsm/bezetting/", views.posts, name="posts"),
    path("zsm/<int:pk>/triage/", views.triage, name="triage"),
    path("zsm/<int:pk>/klacht/", views.complaint, name="complaint"),
    path("zsm/<int:pk>/verzoek/", views.request_new, name="request-new"),
    path("zsm/<int:pk>/gedragsaanwijzing/", views.order, name="order"),
    path("verzoeken/", views.requests_inbox, name="requests"),
    path("verzoeken/<int:pk>/", views.request_page, name="request"),
]
