from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "ketenzicht.signin"
    verbose_name = "Sign-in: second factor and identity providers"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (keeps the provider's MFA with the login it came with)
