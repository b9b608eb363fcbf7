from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies import views as agency_views

from . import views

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.public_set_language, name="set_language"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("agencies/", include("agencies.urls")),
    path("procedures/", include("procedures.urls")),
    path("audits/", include("audits.urls")),
    path("scoring/", include("scoring.urls")),
    path("admin/", admin.site.urls),
]

# MEDIA_ROOT is never served, not even in development: uploaded forms and evidence are read only
# through the download views, which check who may see them.
