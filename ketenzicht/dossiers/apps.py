from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "ketenzicht.dossiers"
    verbose_name = "Person search and dossiers"

    def ready(self) -> None:
        from ketenzicht.registrations.purposes import linked_purpose_register

        from .purpose import PERSON_PARAM
        from .views import registration_purpose_of_dossier

        # A registration opened from a dossier is read under the dossier's purpose.
        linked_purpose_register(PERSON_PARAM, registration_purpose_of_dossier)
