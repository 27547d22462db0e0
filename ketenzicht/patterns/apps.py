from django.apps import AppConfig


class PatternsConfig(AppConfig):
    name = "ketenzicht.patterns"
    verbose_name = "Patterns and signals"

    def ready(self) -> None:
        from ketenzicht.audit.naming import object_naming_register

        from . import receivers  # noqa: F401 - recompute signals when links change
        from .selectors import signal_ids_of_log_name, signal_log_names

        # The access log names a signal by its kind and persons ("Mogelijke belaging P0000232 → P0000527").
        object_naming_register("signal", signal_log_names, signal_ids_of_log_name)
