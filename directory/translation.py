"""Provider-written text that may be given in Welsh too (django-modeltranslation).

`name` etc. read the active language's column and fall back to English where it is empty.
"""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from directory.models import Organisation, Service


@register(Service)
class ServiceTranslationOptions(TranslationOptions):
    fields = ("name", "description", "eligibility", "how_to_refer")


@register(Organisation)
class OrganisationTranslationOptions(TranslationOptions):
    fields = ("name", "description")
