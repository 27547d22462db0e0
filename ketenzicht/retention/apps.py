"""Retention: the periods per source and kind of registration, and the purge that enforces them."""

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "ketenzicht.retention"
    label = "retention"
    verbose_name = "Retention"
