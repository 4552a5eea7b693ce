"""The area page's table of covering services: each service once, with the questions it counts for.

The page listed the same dozen services again under each of its 15 questions. Here each service is
one row, and the questions it counts for are short labels in four columns (forms of abuse, who it
supports, referral criteria, ages), so that a reader sees which service answers which question.

Pure: the layers' results in (which services each question counts in the area), rows out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gaps.layers import AGE_BANDS, Layer, ServiceRow

# Age bands that are the union of others, so never a service's only band: left out of the Ages column.
IMPLIED_BANDS = frozenset({"under_11"})

# (column heading, ((layer key, short label), ...)): every question of the area page, once.
COLUMNS: tuple[tuple[Promise, tuple[tuple[str, Promise], ...]], ...] = (
    (_("Forms of abuse"), (
        ("intra_familial", _("intra-familial")),
        ("extra_familial", _("extra-familial")),
        ("cse", _("exploitation (CSE)")),
        ("harmful_sexual_behaviour", _("harmful sexual behaviour")),
        ("online", _("online")),
    )),
    (_("Who it supports"), (
        ("all", _("children")),
        ("parent_carer", _("parents and carers")),
        ("sibling", _("siblings")),
        ("welsh", _("children in Welsh")),
    )),
    (_("Referral criteria"), (
        ("no_disclosure", _("no verbal disclosure needed")),
        ("pre_trial", _("pre-trial therapy")),
    )),
    # Children's support for an age band: "All CSA support for children, children under 5". Not
    # "under 11": a service counts for it exactly when it counts for "under 5" or "5 to 10" (the two
    # bands make it up), so it only repeated them, after "16 and 17" ("5 to 10, 11 to 15, 16 and 17,
    # under 11"). Its row in the table above, and the list of questions with no provision, keep it.
    (_("Ages"), tuple((Layer("all", code).key, label) for code, label, _low, _high in AGE_BANDS
                      if code not in IMPLIED_BANDS)),
)


@dataclass(frozen=True)
class CoveringService:
    """One service covering the area, and per column of `COLUMNS` the questions it counts for."""

    service: ServiceRow
    counts_for: tuple[tuple[str, ...], ...]


def covering_services(sections: Iterable[tuple[Layer, Iterable[ServiceRow]]]) -> list[CoveringService]:
    """Each service any question counts in the area, once, by name in the page's language, with
    the short labels of the questions that count it, column by column."""
    services: dict[int, ServiceRow] = {}
    keys: dict[int, set[str]] = {}
    for layer, counted in sections:
        for service in counted:
            services[service.id] = service
            keys.setdefault(service.id, set()).add(layer.key)
    return [
        CoveringService(service, tuple(
            tuple(str(label) for key, label in questions if key in keys[service.id]) for _heading, questions in COLUMNS
        ))
        for service in sorted(services.values(), key=lambda s: (s.display_name.casefold(), s.id))
    ]
