"""What starting again from a change that was not approved brings back besides the listing's fields
(which the edit form is filled with): where the service is based, as that change proposed it.

Each location is checked again as the location form checks a new one (the rules may have grown since
it was sent: a name holding a postcode is refused now), and an address withheld since it was sent
stays withheld. What would no longer pass is not sent again, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from directory.listings import fields, selectors, services
from directory.listings.forms import LocationForm
from directory.models import Service, ServiceChange


@dataclass(frozen=True)
class RefusedLocation:
    name: str
    messages: list[str]


@dataclass(frozen=True)
class LocationsToResend:
    entries: list[dict[str, Any]]  # the whole list to propose again (`fields.location_entry`)
    added: list[str]  # what it adds or changes, a location a line (`fields.location_text`)
    removed: list[str]  # what it takes away, as the public sees it now
    refused: list[RefusedLocation]  # not sent again: the location form would refuse them now

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.removed)


def locations_to_resend(*, service: Service, change: ServiceChange) -> LocationsToResend | None:
    """The locations `change` proposed, made ready to be proposed again; None if it proposed none.

    A refused location that the service is based at now is kept as it is now; a new one is left out."""
    proposed = change.proposed.get(fields.LOCATIONS)
    if proposed is None:
        return None
    live = {entry["id"]: entry for entry in selectors.service_location_entries(service=service)}
    entries, refused = [], []
    for entry in proposed:
        form = LocationForm(data={f: entry.get(f) for f in fields.LOCATION_FIELDS if entry.get(f) not in (None, False)})
        if form.is_valid():
            # Rebuilt from the form's data alone: nothing but the location's own fields goes again.
            entries.append(fields.location_entry(form.cleaned_data, key=entry["id"]))
            continue
        refused.append(RefusedLocation(
            name=str(entry.get("name") or ""), messages=[str(m) for ms in form.errors.values() for m in ms],
        ))
        if entry["id"] in live:
            entries.append(live[entry["id"]])
    entries = services.keep_withheld_since(fields.sorted_locations(entries), since=change.submitted_at)
    return LocationsToResend(
        entries=entries,
        added=[fields.location_text(entry) for entry in entries if live.get(entry["id"]) != entry],
        removed=[fields.location_text(entry) for key, entry in live.items() if key not in {e["id"] for e in entries}],
        refused=refused,
    )
