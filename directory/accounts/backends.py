"""How a password is checked: Django's ModelBackend, except that a closed account is told apart.

ModelBackend refuses an inactive account as it refuses a wrong password, so someone whose account
was closed for not being used (directory/accounts/dormancy.py) read "Enter a correct email address
and password" and tried again, or asked for a reset link that never comes (resets go to active
accounts only). Here the account is returned when its password is right, and the sign-in form
refuses it with a message saying what to do (SignInForm.confirm_login_allowed). Only someone who
knows the password learns that the account is closed: to anyone else a closed account, an open
one and none at all answer alike, and in the same time (one password check each, as before).
"""

from __future__ import annotations

from django.contrib.auth.backends import AllowAllUsersModelBackend


class SignInBackend(AllowAllUsersModelBackend):
    def get_user(self, user_id):
        # A session, unlike a sign-in, ends with the account: a closed account's open session no
        # longer signs anyone in (as with ModelBackend).
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
