from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("maatregelen/", views.measure_list, name="list"),
    path("maatregelen/<int:pk>/", views.measure_detail, name="detail"),
    path("maatregelen/<int:pk>/verlengen/", views.measure_extend_view, name="extend"),
    path("maatregelen/<int:pk>/beeindigen/", views.measure_end_view, name="end"),
    path("zaken/<int:case_pk>/maatregelen/nieuw/", views.measure_new, name="new"),
]
