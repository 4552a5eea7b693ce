"""Create a moderator (or make an existing user one), without make or the admin."""

from __future__ import annotations

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from directory.accounts.services import moderator_create

NO_TERMINAL = "No password typed (no terminal to type it in?): give it with --password-env VAR instead."
MISTYPED = "The two passwords did not match: nothing was changed."


class Command(BaseCommand):
    help = (
        "Create a moderator who signs in with their email address, or give an existing user the moderator "
        "role. The password comes from --password-env (the name of an environment variable) or a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--password-env", metavar="VAR",
            help="Read the password from this environment variable (keeps it out of shell history).",
        )

    def handle(self, *args, email: str, password_env: str | None = None, **options):
        from django.contrib.auth import get_user_model

        try:
            validate_email(email.strip())  # before asking for a password that would be typed in vain
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        exists = get_user_model().objects.filter(email__iexact=email.strip()).exists()
        password = None
        if not exists:
            if password_env:
                password = os.environ.get(password_env)
                if not password:
                    raise CommandError(f"Environment variable {password_env} is empty or not set")
            else:
                password = _typed_password()
        try:
            result = moderator_create(email=email, password=password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Created moderator" if result.created else "Made existing user a moderator:"
        self.stdout.write(f"{verb} {result.user.email}")


def _typed_password() -> str:
    """Typed twice, as createsuperuser asks: a typo would leave the account with a password nobody knows."""
    try:
        password = getpass.getpass("Password: ")
        again = getpass.getpass("Password (again): ")
    except (EOFError, KeyboardInterrupt) as exc:
        raise CommandError(NO_TERMINAL) from exc
    if password != again:
        raise CommandError(MISTYPED)
    return password
