from django.urls import path

from . import views

app_name = "linking"
urlpatterns = [
    path("", views.review_list, name="review-list"),
    path("<int:pk>/", views.review_detail, name="review-detail"),
    path("besluiten/", views.review_decisions, name="review-decisions"),
]
