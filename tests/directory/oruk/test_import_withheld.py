"""An import never publishes an address a moderator withheld (a refuge, a therapy house)."""

from __future__ import annotations

import json

import pytest

from directory.models import Location
from tests.directory.oruk.test_import_export import export_text, run_import


def _address(location: Location, *, street: str) -> dict:
    return {
        "id": str(location.public_id), "name": location.name, "latitude": 51.5, "longitude": -3.2,
        "addresses": [{"id": "8e1c63c4-8f0f-4d8e-9f0e-2a4c5e1b7a01", "address_1": street, "city": "Cardiff",
                       "postal_code": "CF10 1AA", "state_province": "Wales", "country": "GB",
                       "address_type": "physical"}],
    }


def _with_the_address_published(document: dict, hidden: Location, *, street: str) -> dict:
    """The record as another publisher would send it: the withheld location with its address."""
    for link in document["service_at_locations"]:
        if link["location"]["id"] == str(hidden.public_id):
            link["location"] = _address(hidden, street=street)
    return document


@pytest.mark.parametrize("street", [
    "1 High Street",  # the address we hold: nothing to write (the bulk path decides the record)
    "2 Refuge Road",  # another address: the location is saved (the per-record path)
])
def test_an_import_keeps_a_withheld_address_withheld(feed, api, tmp_path, street):
    hidden = Location.objects.get(do_not_publish_address=True)
    document = next(d for d in json.loads(export_text()) if d["id"] == str(feed.cardiff_therapy.public_id))
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_with_the_address_published(document, hidden, street=street)]))

    out, err = run_import(path)

    assert "0 rejected, of 1 record" in out, err
    hidden.refresh_from_db()
    assert hidden.do_not_publish_address is True
    assert hidden.address_1 == street  # kept, as the publisher gave it, but never shown
    body = api(f"services/{feed.cardiff_therapy.public_id}").json()
    shown = next(link["location"] for link in body["service_at_locations"]
                 if link["location"]["id"] == str(hidden.public_id))
    assert shown.get("csa_address_withheld") is True
    assert "addresses" not in shown and "latitude" not in shown


def test_an_imported_new_location_with_an_address_is_published(feed, tmp_path):
    document = next(d for d in json.loads(export_text()) if d["id"] == str(feed.cardiff_therapy.public_id))
    new = Location(public_id="5b0c2f5e-3f57-4c1a-9a55-7d9c1f0e2b11", name="New office")
    document["service_at_locations"].append({"id": "0a4f5e1b-9c2d-4b7e-8f3a-6d1e2c3b4a51",
                                             "location": _address(new, street="3 New Street")})
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document]))

    run_import(path)

    created = Location.objects.get(public_id=new.public_id)
    assert (created.address_1, created.do_not_publish_address) == ("3 New Street", False)


def test_a_feed_that_withholds_an_address_withholds_ours(feed, tmp_path):
    shown = Location.objects.get(do_not_publish_address=False, service_at_locations__service=feed.cardiff_therapy)
    document = next(d for d in json.loads(export_text()) if d["id"] == str(feed.cardiff_therapy.public_id))
    for link in document["service_at_locations"]:
        if link["location"]["id"] == str(shown.public_id):
            link["location"] = {"id": str(shown.public_id), "name": shown.name, "csa_address_withheld": True}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document]))

    run_import(path)

    shown.refresh_from_db()
    assert shown.do_not_publish_address is True
