from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "ketenzicht.persons"
    verbose_name = "Persons"

    def ready(self) -> None:
        from ketenzicht.audit.naming import object_naming_register
        from ketenzicht.ui.formats import person_number

        # The access log names a person by the number the pages show ("P0000498").
        object_naming_register(
            "person", lambda ids: {i: person_number(int(i)) for i in ids if i.isdigit() and int(i) > 0}
        )
