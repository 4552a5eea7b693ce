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


# Change history (django-simple-history) is registered here, not on the models, because the
# historical models must be built after modeltranslation has added the Welsh columns; built
# earlier, they lack `name_cy` etc. and every save fails.
simple_history.register(Organisation, app="directory")
# render_token changes with every related change (a wait, a location): bookkeeping, not history.
simple_history.register(Service, app="directory", m2m_fields=["coverage_areas"], excluded_fields=["render_token"])
