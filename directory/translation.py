"""Provider-written text that may be given in Welsh too (django-modeltranslation).

`name` etc. read the active language's column and fall back to English where it is empty.
"""

from __future__ import annotations

import simple_history
from modeltranslation.translator import TranslationOptions, register

from directory.models import Organisation, Service


@register(Service)
class ServiceTranslationOptions(TranslationOptions):
    fields = ("name", "description", "eligibility", "how_to_refer")


@register(Organisation)
class OrganisationTranslationOptions(TranslationOptions):
    fields = ("name", "description")


# History is registered here, not with `history = HistoricalRecords()` on the models:
# simple-history builds the historical model when the model class is created, before
# modeltranslation adds the name_en/name_cy columns, and saving then fails with
# "HistoricalService() got unexpected keyword arguments: 'name_en', ...". Registering after
# the translation options gives historical models every column (the documented fix:
# django-commons/django-simple-history#209, #1131).
simple_history.register(Organisation)
simple_history.register(Service, m2m_fields=["coverage_areas"])
