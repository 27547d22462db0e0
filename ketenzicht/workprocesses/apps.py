from django.apps import AppConfig


class WorkprocessesConfig(AppConfig):
    name = "ketenzicht.workprocesses"
    label = "workprocesses"
    verbose_name = "Work processes and cases"

    def ready(self) -> None:
        from ketenzicht.audit.naming import by_field, finder_of_names, object_naming_register

        from .log_names import alert_log_names, rollout_log_names
        from .models import Case, Rollout

        # The access log names a case (and the desks' kinds of case) by its reference, and finds it by it; an
        # alert by its case and message, a roll-out by its version, where and from when.
        object_naming_register("case", *by_field(Case, "reference"))
        object_naming_register("alert", alert_log_names)
        object_naming_register(
            "rollout",
            rollout_log_names,
            finder_of_names(rollout_log_names, lambda: Rollout.objects.values_list("pk", flat=True)),
        )

        from ketenzicht.organisations.signals import user_deactivated, user_holdings, user_moved
        from ketenzicht.registrations.purposes import linked_purpose_register

        from .labels import history_texts_register
        from .leaving import on_user_moved
        from .purpose import CASE_PARAM, registration_purpose_of_case
        from .selectors import holdings_of
        from .services import OWNED_BY_STEP, on_user_deactivated

        # A user who leaves (or moves to another unit) gives back the open cases they hold; asked first what
        # those are.
        user_deactivated.connect(on_user_deactivated, dispatch_uid="workprocesses-owner-left")
        user_moved.connect(on_user_moved, dispatch_uid="workprocesses-owner-moved")
        user_holdings.connect(holdings_of, dispatch_uid="workprocesses-holdings")

        # A registration opened from a case page is read under the case.
        linked_purpose_register(CASE_PARAM, registration_purpose_of_case)

        # Why whoever took the first step on a case nobody owned became its owner, in the reader's language.
        history_texts_register(OWNED_BY_STEP)
