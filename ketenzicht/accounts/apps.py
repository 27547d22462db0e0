from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketenzicht.accounts"
    label = "accounts"
    verbose_name = "User management"

    def ready(self) -> None:
        from ketenzicht.audit.naming import finder_of_names, object_naming_register
        from ketenzicht.organisations.models import ApiToken

        from .selectors import token_log_names, user_ids_of_log_name, user_log_names

        # The access log names the users and tokens the administrator changed, and finds them by that name.
        object_naming_register("user", user_log_names, user_ids_of_log_name)
        object_naming_register(
            "api_token",
            token_log_names,
            finder_of_names(token_log_names, lambda: ApiToken.objects.values_list("pk", flat=True)),
        )
