from django.urls import path

from . import absence_views, alert_views, views

app_name = "workprocesses"

urlpatterns = [
    path("zaken/", views.case_list, name="case-list"),
    path("zaken/nieuw/", views.case_new, name="case-new"),
    path("zaken/<int:pk>/", views.case_detail, name="case-detail"),
    path("zaken/<int:pk>/actie/", views.case_act, name="case-act"),
    path("werkprocessen/", views.rollouts, name="rollouts"),
    path("werkprocessen/<int:pk>/intrekken/", views.rollout_withdrawal, name="rollout-withdraw"),
    path("afwezigheid/", absence_views.absences, name="absences"),
    path("waarschuwingen/", alert_views.alert_list, name="alerts"),
    path("waarschuwingen/<int:pk>/gelezen/", alert_views.alert_mark_read, name="alert-read"),
]
