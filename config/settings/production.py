"""Settings for a production installation: everything secret or site-specific comes from the environment.

Ketenzicht is served over HTTPS only: plain HTTP is redirected (the health check excepted, for a load
balancer that asks over HTTP), and browsers are told by HSTS to use HTTPS for a year, for the subdomains too,
and may put the site on their preload list. Behind a TLS-terminating proxy set
KETENZICHT_TLS_PROXY_HEADER=1: the proxy must then set X-Forwarded-Proto and strip it from what clients send.
"""

import os

from .base import *  # noqa: F403
from .base import env_bool

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
