from __future__ import annotations

from django.urls import path

from directory.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("invite/", views.invite, name="invite"),
    path("invitations/<uuid:public_id>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("settings/", views.account_settings, name="settings"),
    path("closed/<int:pk>/reopen/", views.account_reopen, name="account_reopen"),
    path("password-reset/", views.PasswordResetStartView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetSentView.as_view(), name="password_reset_sent"),
    path(
        "password-reset/<uidb64>/<token>/", views.PasswordResetChooseView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
