from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "ketenzicht.dossiers"
    verbose_name = "Person search and dossiers"

    def ready(self) -> None:
        from ketenzicht.audit.naming import object_naming_register

        from .selectors import break_glass_log_names

        # The access log names a break-the-glass grant, and a search made under one, by the grant's number
        # and whom or what it concerned.
        object_naming_register("break_glass", break_glass_log_names)
        object_naming_register("person_search", break_glass_log_names)

        from ketenzicht.audit.naming import person_finder_register

        from .services import person_search_for_supervision

        # The access log's person filter finds persons by name with the police's person search.
        person_finder_register(
            lambda user, text, origin: person_search_for_supervision(user=user, text=text, origin=origin)
        )

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
