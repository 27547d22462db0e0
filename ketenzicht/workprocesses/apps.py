from django.apps import AppConfig


class WorkprocessesConfig(AppConfig):
    name = "ketenzicht.workprocesses"
    label = "workprocesses"
    verbose_name = "Work processes and cases"

    def ready(self) -> None:
        from ketenzicht.registrations.purposes import linked_purpose_register

        from .purpose import CASE_PARAM, registration_purpose_of_case

        # A registration opened from a case page is read under the case.
        linked_purpose_register(CASE_PARAM, registration_purpose_of_case)
