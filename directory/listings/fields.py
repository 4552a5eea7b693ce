"""Which Service fields a provider may publish at once and which wait for a moderator (and which of
their organisation's they may change).

Everything that decides who can be referred (forms of abuse, who is supported, age range,
who may refer, criteria, coverage areas, status) waits for approval; contact details, the
description, kinds of support and delivery publish at once (they are in the history).
Values are compared and stored in a JSON-safe form: decimals as "4.0", coverage as sorted codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import vocabulary

COVERAGE = "coverage_areas"
# Where the service is based: a proposal's list of its locations (`location_entry`), moderated as a
# whole. Not a Service field, so not in EDITABLE_FIELDS: services.py handles it on its own.
LOCATIONS = "locations"
# A listing's wait (WaitingTimeReport), as a moderator's change names it to the provider
# (ModeratorChangeNotice.changed): not a Service field either.
WAIT = "wait"
LOCATION_FIELDS: tuple[str, ...] = (
    "name", "name_cy", "address_1", "city", "county", "postcode", "do_not_publish_address",
)
# What an entry stored before a field was added to LOCATION_FIELDS says for it (`complete_entry`).
LOCATION_FIELD_DEFAULTS: dict[str, Any] = {"name_cy": ""}

MODERATED_FIELDS: tuple[str, ...] = (
    "status",
    *vocabulary.ABUSE_FORM_FIELDS.values(),
    *vocabulary.AUDIENCE_FIELDS.values(),
    "age_min",
    "age_max",
    *vocabulary.REFERRER_FIELDS.values(),
    "disclosure_required",
    "pre_trial_therapy",
    "requires_proceedings_finished",
    "eligibility_en",
    "eligibility_cy",
    COVERAGE,
)

# Every editable field in the edit page's order (forms.ServiceForm.fieldsets), which the error
# summary, a moderator's diff and the history follow: a list in another order sent a reader up and
# down the page.
EDITABLE_FIELDS: tuple[str, ...] = (
    "name_en",
    "name_cy",
    "description_en",
    "description_cy",
    *MODERATED_FIELDS,  # together on the page, from the status to the areas
    *vocabulary.SUPPORT_KIND_FIELDS.values(),
    "how_to_refer_en",
    "how_to_refer_cy",
    "referral_url",
    "referral_email",
    "referral_phone",
    *vocabulary.DELIVERY_MODE_FIELDS.values(),
    "welsh_available",
    "other_languages",
    "is_free",
    "cost_note",
    "capacity_per_year",
)
# Published at once when a provider saves them: every editable field a moderator need not see.
IMMEDIATE_FIELDS: tuple[str, ...] = tuple(field for field in EDITABLE_FIELDS if field not in MODERATED_FIELDS)
DECIMAL_FIELDS = frozenset({"age_min", "age_max"})
# What a provider may change of their organisation (an Organisation's fields): how to reach it and what
# it is. Published at once, as a listing's own contact details and description are: none of it decides
# who can be referred. Its name, and the charity and company numbers that say who it is, stay a moderator's.
ORGANISATION_CONTACT_FIELDS: tuple[str, ...] = ("phone", "email", "website", "description_en", "description_cy")


def normalise(field: str, value: Any) -> Any:
    """One JSON-safe form per value, so the live row and a form's input compare equal."""
    if field in DECIMAL_FIELDS:
        return str(Decimal(value).quantize(Decimal("0.1"))) if value is not None else None
    if field == COVERAGE:
        return sorted(value)
    if isinstance(value, str):
        # Browsers send textarea line breaks as CRLF; store and compare them as LF.
        return value.replace("\r\n", "\n").strip()
    if value is None and field not in {"capacity_per_year"}:
        return ""
    return value


def age_text(value: Any) -> str:
    """An age as a person types it: "17", and "4.5" only where a half year was meant (not "17.0").

    Anything that is not a number (what someone typed into the form) is returned as it is.
    """
    try:
        age = Decimal(str(value).strip())
    except ArithmeticError:
        return "" if value is None else str(value)
    if not age.is_finite():
        return str(value)
    try:
        return str(age.quantize(Decimal(1))) if age == age.to_integral_value() else str(age.normalize())
    except ArithmeticError:  # "1e309": more digits than a Decimal holds (tests/fuzz found it a 500)
        return str(value)


def snapshot(obj: Any, coverage_codes: list[str]) -> dict[str, Any]:
    """The editable values of a Service (or a historical record of one), JSON-safe."""
    values = {field: normalise(field, getattr(obj, field)) for field in EDITABLE_FIELDS if field != COVERAGE}
    values[COVERAGE] = normalise(COVERAGE, coverage_codes)
    return values


def lists_no_area_it_needs(values: dict[str, Any]) -> bool:
    """Whether a listing with these values (a form's or a snapshot's) names no area it takes
    referrals from when it must.

    The search (README, "Groups") shows a helpline that lists no area as national, and any other
    service that lists none only to a search near where it is based: a provider who forgot the areas
    published a listing almost no one finds. So every listing names its areas ("Wales" for all of
    Wales) unless it is a helpline reached by phone or online alone: a helpline also seen in person or
    on outreach visits has places it serves. Imports are not held to it: another publisher's feed
    may list none, and is shown by the search's rules."""
    if values.get(COVERAGE):
        return False
    remote = values.get("delivery_phone") or values.get("delivery_online")
    in_place = values.get("delivery_in_person") or values.get("delivery_outreach")
    return not (values.get("kind_helpline") and remote and not in_place)


def changed(live: dict[str, Any], proposed: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields among `fields` whose proposed value differs from the live one."""
    return {f: proposed[f] for f in fields if f in proposed and proposed[f] != live.get(f)}


AGE_LABELS = {"age_min": gettext_lazy("Youngest age (years)"), "age_max": gettext_lazy("Oldest age (years)")}


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    before: str
    after: str
    # For the areas, which can be many on each side: what the change adds and removes.
    added: str = ""
    removed: str = ""


# A box's label said alone ("Parents and carers", "Phone") could be in any of these groups: a row
# of a diff or the history names its group, as the page's headings do. The same words as the headings.
GROUPS = (
    (vocabulary.AUDIENCE_FIELDS, gettext_lazy("Who it supports")),
    (vocabulary.REFERRER_FIELDS, gettext_lazy("Who may refer")),
    (vocabulary.SUPPORT_KIND_FIELDS, gettext_lazy("Kinds of support")),
    (vocabulary.DELIVERY_MODE_FIELDS, gettext_lazy("How it is delivered")),
)


def _upper_first(text: str) -> str:
    # Not str.capitalize(), which lowercases the rest: "welsh", "chisva", "sarc".
    return text[:1].upper() + text[1:]


def location_entry(location: Any, key: str | None = None) -> dict[str, Any]:
    """A Location (or a form's cleaned data, with `key`) as a proposal's JSON-safe entry.

    `id` is the live location's public id; a location not yet made has a new one of its own."""
    entry = {"id": key if key is not None else str(location.public_id)}
    for field in LOCATION_FIELDS:
        value = location[field] if isinstance(location, dict) else getattr(location, field)
        entry[field] = value if isinstance(value, bool) else normalise(field, value)
    return entry


def complete_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """`entry` with every field of LOCATION_FIELDS: one in a proposal, or the decided listing,
    stored before the Welsh name was asked for has no "name_cy" (it had none)."""
    return {**LOCATION_FIELD_DEFAULTS, **entry}


def same_location(entries: list[dict[str, Any]], entry: dict[str, Any]) -> dict[str, Any] | None:
    """The one of `entries` that says what `entry` says (its id and letter case aside), if any.

    An add form sent twice (a second click while a slow answer is on its way, the back button)
    would otherwise list one place twice: the public would see it twice, and the map two markers."""
    def said(e: dict[str, Any]) -> tuple:
        e = complete_entry(e)
        return tuple(e[f].casefold() if isinstance(e[f], str) else e[f] for f in LOCATION_FIELDS)

    return next((e for e in entries if e["id"] != entry["id"] and said(e) == said(entry)), None)


def sorted_locations(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One order for a list of entries (as the page lists them), so equal lists compare equal: each
    with every field (`complete_entry`), as one stored before a field was added lacks it."""
    return sorted(map(complete_entry, entries), key=lambda entry: (entry["name"].casefold(), entry["id"]))


def location_text(entry: dict[str, Any]) -> str:
    """One location on one line, saying when its address is not published."""
    parts = [entry[field] for field in ("name", "address_1", "city", "county", "postcode") if entry[field]]
    if entry.get("name_cy"):
        parts[0] = _("%(name)s (in Welsh: %(name_cy)s)") % {"name": entry["name"], "name_cy": entry["name_cy"]}
    text = ", ".join(parts)
    if not entry["do_not_publish_address"]:
        return text
    return _("%(location)s (address not published)") % {"location": text}


def field_label(field: str) -> str:
    if field == LOCATIONS:
        return str(_("Where it is based"))
    if field == WAIT:
        return str(_("Waiting time"))
    if field == COVERAGE:
        return str(_("Areas it takes referrals from"))
    if field in AGE_LABELS:
        return str(AGE_LABELS[field])
    for suffix, language in (("_en", _("English")), ("_cy", _("Welsh"))):
        if field.endswith(suffix):
            return f"{_upper_first(_base_label(field.removesuffix(suffix)))} ({language})"
    for group, heading in GROUPS:
        if field in group.values():
            return f"{heading}: {_upper_first(_base_label(field))}"
    return _upper_first(_base_label(field))


def organisation_field_label(field: str) -> str:
    """One of ORGANISATION_CONTACT_FIELDS as the organisation's contact form labels it."""
    labels = {"phone": _("Phone number"), "email": _("Email address"), "website": _("Website")}
    return labels.get(field) or field_label(field)  # the descriptions, labelled as a listing's


def _base_label(field: str) -> str:
    from directory.models import Service

    return str(Service._meta.get_field(field).verbose_name)


def display(field: str, value: Any, area_names: dict[str, str]) -> str:
    if field == LOCATIONS:
        return "; ".join(location_text(entry) for entry in value or ()) or "—"
    if field == COVERAGE:
        # None on the "before" side of a new listing, which had no areas.
        return ", ".join(area_names.get(code, code) for code in value or ()) or "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if value in (None, ""):
        return "—"  # before a new listing, or a box left empty
    if field in DECIMAL_FIELDS:
        return age_text(value)
    if field == "status":
        from directory.models import Service

        return str(dict(Service.Status.choices).get(value, value))
    return str(value)


def diff(
    before: dict[str, Any], after: dict[str, Any], area_names: dict[str, str], *, unknown: str | None = None,
    unstated_before: Iterable[str] = (), unstated_after: Iterable[str] = (),
) -> list[FieldDiff]:
    """Field-by-field differences, in form order, for a moderator or the history page.

    With `unknown`, a field of `after` missing from `before` is not known before (a change decided
    before what it changed was kept): it is listed, with `unknown` as its value before.

    `unstated_before` and `unstated_after`: the facts an import left unsaid on each side (codes of
    `Service.unstated_by_import`). Their fields hold a filler the search matches (ages 0 to 25, every
    way of giving support, free), which a moderator read as the provider's answer while the public saw
    "Not stated": they read NOT_STATED_BY_IMPORT, and a fact stated with its filler's value (the
    import's 25 confirmed) is a difference too."""
    hidden = (unstated_names(unstated_before), unstated_names(unstated_after))
    rows = []
    for field in (*EDITABLE_FIELDS, LOCATIONS):
        if field not in after:
            continue
        if unknown is not None and field not in before:
            rows.append(FieldDiff(field=field, label=field_label(field), before=unknown,
                                  after=_shown(field, after[field], area_names, hidden[1])))
        elif field == LOCATIONS:
            rows += _locations_diff(before.get(LOCATIONS), after[LOCATIONS])
        elif after[field] != before.get(field) or (field in hidden[0]) != (field in hidden[1]):
            rows.append(FieldDiff(
                field=field, label=field_label(field),
                before=_shown(field, before.get(field), area_names, hidden[0]),
                after=_shown(field, after[field], area_names, hidden[1]),
                **(_areas_added_and_removed(before.get(field), after[field], area_names) if field == COVERAGE else {}),
            ))
    return rows


NOT_STATED_BY_IMPORT = gettext_lazy("Not stated by the import")
# A snapshot's key (selectors.service_live, ServiceChange.live_when_decided) for the codes of the facts
# the listing's import left unsaid then (Service.unstated_by_import): not a field anyone edits.
UNSTATED = "unstated_by_import"


def unstated_names(unstated: Iterable[str]) -> frozenset[str]:
    """The fields holding the facts `unstated` (codes of `Service.unstated_by_import`)."""
    from directory.models import UNSTATED_FIELDS

    return frozenset(name for code in unstated for name in UNSTATED_FIELDS.get(code, ()))


def unstated_after(unstated: Iterable[str], before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The facts of `unstated` still unsaid once `after`'s values (a proposal's) replace `before`'s: as
    services._apply leaves them, every fact whose value it changes stated."""
    from directory.models import stated_by_change

    return stated_by_change(list(unstated), [field for field in after if after[field] != before.get(field)])


def _shown(field: str, value: Any, area_names: dict[str, str], unstated: frozenset[str]) -> str:
    return str(NOT_STATED_BY_IMPORT) if field in unstated else display(field, value, area_names)


def _locations_diff(before: list[dict] | None, after: list[dict] | None) -> list[FieldDiff]:
    # A changed location reads as the old one removed and the new one added: every word is in view.
    if after is None or after == before:
        return []
    # Entries stored before the Welsh name was asked for lack it: the same place, not a changed one.
    was, after = [complete_entry(e) for e in before or []], [complete_entry(e) for e in after]
    if before is not None and after == was:
        return []
    before = was
    return [FieldDiff(
        field=LOCATIONS, label=field_label(LOCATIONS),
        before=display(LOCATIONS, before, {}), after=display(LOCATIONS, after, {}),
        added="; ".join(location_text(entry) for entry in after if entry not in before),
        removed="; ".join(location_text(entry) for entry in before if entry not in after),
    )]


def _areas_added_and_removed(before: list[str] | None, after: list[str], area_names: dict[str, str]) -> dict:
    if not before or not after:
        return {}  # all or nothing: the two lists say it
    return {
        "added": display(COVERAGE, [code for code in after if code not in before], area_names).strip("—"),
        "removed": display(COVERAGE, [code for code in before if code not in after], area_names).strip("—"),
    }
