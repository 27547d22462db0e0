from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "ketenzicht.linking"
    verbose_name = "Person linking"

    def ready(self) -> None:
        from ketenzicht.audit.naming import object_naming_register

        from . import checks  # noqa: F401 - registers the system check
        from .selectors import review_item_ids_of_log_name, review_item_log_names

        # The access log names a review item by its mention's registration and its candidate's.
        object_naming_register("review_item", review_item_log_names, review_item_ids_of_log_name)
