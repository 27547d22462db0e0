from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "ketenzicht.registrations"
    verbose_name = "Registrations"

    def ready(self) -> None:
        from ketenzicht.audit.naming import object_naming_register

        from .selectors import registration_ids_of_reference, registration_references

        # The access log names a registration by its reference, and finds it by it.
        object_naming_register("registration", registration_references, registration_ids_of_reference)
