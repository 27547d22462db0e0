"""Settings for a production installation: everything secret or site-specific comes from the environment.

Ketenzicht is served over HTTPS only: plain HTTP is redirected (the health check excepted, for a load
balancer that asks over HTTP), and browsers are told by HSTS to use HTTPS for a year, for the subdomains too,
and may put the site on their preload list. Behind a TLS-terminating proxy set
KETENZICHT_TLS_PROXY_HEADER=1: the proxy must then set X-Forwarded-Proto and strip it from what clients send.
"""

import os

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, AUTHENTICATION_BACKENDS, INSTALLED_APPS, env_bool, webauthn_origins

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
if env_bool("KETENZICHT_TLS_PROXY_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Security keys and passkeys are bound to the relying party id, a domain: KETENZICHT_WEBAUTHN_RP_ID, by
# default the first of DJANGO_ALLOWED_HOSTS; they are used from KETENZICHT_WEBAUTHN_ORIGINS, by default
# https://<that domain>. Changing the id later makes every registered key useless (users register again).
OTP_WEBAUTHN_RP_ID = os.environ.get("KETENZICHT_WEBAUTHN_RP_ID") or ALLOWED_HOSTS[0].lstrip(".")
OTP_WEBAUTHN_ALLOWED_ORIGINS = webauthn_origins(
    os.environ.get("KETENZICHT_WEBAUTHN_ORIGINS") or f"https://{OTP_WEBAUTHN_RP_ID}", OTP_WEBAUTHN_RP_ID
)

# Login by an identity provider (OpenID Connect), next to local accounts, when its settings are present.
# Claims and roles: KETENZICHT_OIDC_* in base.py; docs/reference/security.md.
if os.environ.get("KETENZICHT_OIDC_CLIENT_ID"):
    KETENZICHT_OIDC_ENABLED = True
    INSTALLED_APPS = [*INSTALLED_APPS, "mozilla_django_oidc"]
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "ketenzicht.signin.oidc.KetenzichtOIDCBackend"]
    OIDC_RP_CLIENT_ID = os.environ["KETENZICHT_OIDC_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ["KETENZICHT_OIDC_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["KETENZICHT_OIDC_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["KETENZICHT_OIDC_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["KETENZICHT_OIDC_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ["KETENZICHT_OIDC_JWKS_ENDPOINT"]
    OIDC_RP_SIGN_ALGO = os.environ.get("KETENZICHT_OIDC_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = os.environ.get("KETENZICHT_OIDC_SCOPES", "openid email profile")
    OIDC_USE_PKCE = True
    LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
