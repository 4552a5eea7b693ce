"""Words Django's own Welsh catalogue spells wrong, marked here so that ours (locale/cy), which Django
reads first (LOCALE_PATHS), carries them right. Nothing needs to import this module: makemessages
reads it, and Django's date formatting asks for the same messages."""

from __future__ import annotations

from django.utils.translation import gettext_noop, pgettext_lazy

# Django's Welsh July is "Gorffenaf"; the word is "Gorffennaf". Every Welsh date in July said it
# ("7 Gorffenaf 2026" on listings, in emails, the gaps pages' quarters "Gorffenaf–Medi").
JULY = gettext_noop("July")  # date format "F"
JULY_ALT = pgettext_lazy("alt. month", "July")  # date format "E"
