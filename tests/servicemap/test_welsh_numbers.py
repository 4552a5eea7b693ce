"""Welsh nouns after the number two take the soft mutation ("dau gofnod", "dau ddiwrnod"): the
catalogue's n == 2 forms say so. Each of these read unmutated ("2 cofnod")."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import ngettext


@pytest.mark.parametrize(("singular", "plural", "values", "welsh"), [
    ("Please check %(n)s listing", "Please check %(n)s listings", {"n": 2}, "Gwiriwch 2 gofnod"),
    ("Urgent: please check %(n)s listing", "Urgent: please check %(n)s listings", {"n": 2},
     "Brys: gwiriwch 2 gofnod"),
    ("%(count)d row had no changes.", "%(count)d rows had no changes.", {"count": 2},
     "Nid oedd newidiadau mewn 2 res."),
    ("Many reports have been sent from your connection in a short time, so this one has not been sent yet. "
     "Try again in about %(minutes)s minute: what you wrote is still here.",
     "Many reports have been sent from your connection in a short time, so this one has not been sent yet. "
     "Try again in about %(minutes)s minutes: what you wrote is still here.", {"minutes": 2},
     "Mae llawer o adroddiadau wedi'u hanfon o'ch cysylltiad mewn amser byr, felly nid yw hwn wedi'i anfon eto. "
     "Rhowch gynnig arall arni ymhen tua 2 funud: mae'r hyn a ysgrifennoch yma o hyd."),
])
def test_a_noun_after_two_is_softened(singular, plural, values, welsh):
    with translation.override("cy"):
        said = ngettext(singular, plural, 2) % values
    assert said == welsh
