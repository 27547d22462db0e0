"""Insights: figures per police unit, Veilig Thuis region, district office and nationally, per week, month
and year, counted ahead into a table (no names), published with small counts suppressed."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "ketenzicht.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
