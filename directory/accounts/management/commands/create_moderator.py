"""Create a moderator (or make an existing user one), without make or the admin."""

from __future__ import annotations

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from directory.accounts.services import moderator_create


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

        exists = get_user_model().objects.filter(email__iexact=email).exists()
        password = None
        if not exists:
            if password_env:
                password = os.environ.get(password_env)
                if not password:
                    raise CommandError(f"Environment variable {password_env} is empty or not set")
            else:
                password = getpass.getpass("Password: ")
        try:
            result = moderator_create(email=email, password=password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Created moderator" if result.created else "Made existing user a moderator:"
        self.stdout.write(f"{verb} {result.user.email}")
