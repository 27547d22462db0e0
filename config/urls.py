from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from ketenzicht.api.api import api
from ketenzicht.signin.middleware import second_factor_not_required
from ketenzicht.web import views as web_views
from ketenzicht.web.middleware import server_error

urlpatterns = [
    path("", web_views.home, name="home"),
    path("health/", web_views.health, name="health"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            redirect_authenticated_user=True,
            extra_context={"oidc_enabled": settings.KETENZICHT_OIDC_ENABLED},
        ),
        name="login",
    ),
    path("accounts/logout/", second_factor_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/tweede-factor/", include("ketenzicht.signin.urls")),
    # The language switch works before login too (it is on the login page).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("registraties/nieuw/", include("ketenzicht.intake.urls")),
    path("registraties/", include("ketenzicht.registrations.urls")),
    path("toegangslog/", include("ketenzicht.audit.urls")),
    path("koppelingen/beoordelen/", include("ketenzicht.linking.urls")),
    path("personen/", include("ketenzicht.dossiers.urls")),
    path("privacy/doorbraken/", include("ketenzicht.dossiers.break_glass_urls")),
    path("privacy/bewaartermijnen/", include("ketenzicht.retention.urls")),
    path("signalen/", include("ketenzicht.patterns.urls")),
    path("", include("ketenzicht.workprocesses.urls")),
    path("", include("ketenzicht.screening.urls")),
    path("", include("ketenzicht.veiligthuis.urls")),
    path("", include("ketenzicht.measures.urls")),
    path("", include("ketenzicht.prosecution.urls")),
    path("", include("ketenzicht.insights.urls")),
    path("", include("ketenzicht.accounts.urls")),
    path("api/v1/", api.urls),
]

if settings.KETENZICHT_OIDC_ENABLED:  # production.py, when the identity provider's settings are present
    from mozilla_django_oidc import views as oidc_views

    urlpatterns += [
        path(
            "oidc/authenticate/",
            login_not_required(oidc_views.OIDCAuthenticationRequestView.as_view()),
            name="oidc_authentication_init",
        ),
        path(
            "oidc/callback/",
            login_not_required(oidc_views.OIDCAuthenticationCallbackView.as_view()),
            name="oidc_authentication_callback",
        ),
    ]

handler500 = server_error
