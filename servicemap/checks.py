"""`check --deploy`'s own checks (docs/deploy.md section 1): it warns while the privacy notice and
accessibility statement still show the placeholders an operator must fill in (a public-sector site
must name its data controller and how to reach it, and confirm the lawful basis it gives), and
fails while the database or Redis the environment names does not answer."""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections

OPERATOR_SETTINGS = ("SITE_OPERATOR_NAME", "PRIVACY_CONTACT_EMAIL", "PRIVACY_DPO_CONTACT")


@register(Tags.security, deploy=True)
def privacy_notice_is_filled_in(app_configs: object, **kwargs: object) -> list[Warning]:
    warnings = [
        Warning(f"{name} is empty: the privacy notice shows a placeholder instead.",
                hint="Set it in the environment (docs/deploy.md section 1).", id="servicemap.W001")
        for name in OPERATOR_SETTINGS if not getattr(settings, name).strip()
    ]
    if not settings.PRIVACY_LAWFUL_BASIS_CONFIRMED:
        warnings.append(Warning(
            "PRIVACY_LAWFUL_BASIS_CONFIRMED is false: the privacy notice marks its lawful basis (public task) "
            "as a placeholder.",
            hint="Confirm the basis with your data protection officer, then set it to true.", id="servicemap.W002"))
    return warnings


@register("connections", deploy=True)
def database_and_redis_answer(app_configs: object, **kwargs: object) -> list[Error]:
    """`check --deploy` connects to the database and Redis, so a wrong DATABASE_URL or REDIS_URL
    (a database not made, a port, a Redis database number the server does not have) is found
    before gunicorn starts, not as a 503 or 500 on every page. Messages name no password: the
    drivers' errors hold the host, port, user and database only."""
    errors = []
    try:
        connections["default"].ensure_connection()
    except DatabaseError as exc:
        errors.append(Error(f"The database in DATABASE_URL does not answer: {exc}".strip(),
                            hint="Check DATABASE_URL's host, port, user, password and database name, and that "
                                 "the database has been made (docs/deploy.md section 2).", id="servicemap.E001"))
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        except redis.RedisError as exc:
            errors.append(Error(f"Redis in REDIS_URL does not answer: {type(exc).__name__}: {exc}",
                                hint="Check REDIS_URL's host, port, password and database number (a server has "
                                     "16 databases, 0-15, unless its configuration says otherwise).",
                                id="servicemap.E002"))
        finally:
            client.close()
    return errors
