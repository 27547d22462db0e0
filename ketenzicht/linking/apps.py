from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "ketenzicht.linking"
    verbose_name = "Person linking"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system check
