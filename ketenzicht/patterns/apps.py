from django.apps import AppConfig


class PatternsConfig(AppConfig):
    name = "ketenzicht.patterns"
    verbose_name = "Patterns and signals"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - recompute signals when links change
