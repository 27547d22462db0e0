from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "ketenzicht.dossiers"
    verbose_name = "Person search and dossiers"

    def ready(self) -> None:
        from ketenzicht.registrations.purposes import BREAK_GLASS_PARAM, linked_purpose_register
        from ketenzicht.workprocesses.labels import case_title_register

        from .break_glass import registration_purpose_of_grant, review_title_words
        from .purpose import PERSON_PARAM
        from .views import registration_purpose_of_dossier

        # A registration opened from a dossier is read under the dossier's purpose (and its grant).
        linked_purpose_register(PERSON_PARAM, registration_purpose_of_dossier)
        # The API's registration route reads one under the caller's break-the-glass grant.
        linked_purpose_register(BREAK_GLASS_PARAM, registration_purpose_of_grant)
        # A break-the-glass review case's title (stored in Dutch) on a page in English.
        case_title_register(review_title_words)
