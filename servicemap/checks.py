"""`check --deploy` warns while the privacy notice and accessibility statement still show the
placeholders an operator must fill in (docs/deploy.md section 1): a public-sector site must name
its data controller and how to reach it, and confirm the lawful basis it gives."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

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
