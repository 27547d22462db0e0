from django.urls import include, path

from . import views

# Security keys (WebAuthn): the names of django-otp-webauthn's own URLs (its script and template tag use
# them), on our views.
key_patterns = [
    path("registratie/begin/", views.key_registration_begin, name="credential-registration-begin"),
    path("registratie/afronden/", views.key_registration_complete, name="credential-registration-complete"),
    path("gebruik/begin/", views.key_authentication_begin, name="credential-authentication-begin"),
    path("gebruik/afronden/", views.key_authentication_complete, name="credential-authentication-complete"),
    path("teksten.js", views.key_messages, name="js-i18n-catalog"),
]

urlpatterns = [
    path("", views.second_factor, name="second_factor"),
    path("instellen/", views.second_factor_setup, name="second_factor_setup"),
    path("herstelcodes/", views.recovery_codes, name="second_factor_recovery_codes"),
    path("sleutels/", views.security_key_list, name="second_factor_keys"),
    path("sleutel/", include((key_patterns, "otp_webauthn"))),
]
