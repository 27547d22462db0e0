from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketenzicht.accounts"
    label = "accounts"
    verbose_name = "User management"
