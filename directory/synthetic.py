"""A deterministic, FICTIONAL national directory for benchmarks (scripts/bench.py), not for use.

Great Britain and Northern Ireland at national scale: the real Welsh areas (loaded from data/)
plus synthetic areas for England, Scotland and Northern Ireland (about 400 areas in all, with
child populations), and by default 20,000 services with realistic spreads of forms of abuse,
audiences, kinds, criteria and waits; coverage of 1–30 areas (1% nation-wide); locations
(some withheld) and about ten waiting-time reports each. Written with `bulk_create` in batches:
about a minute for 20,000 services on this machine kind.

Everything is labelled sample data (every page shows the banner). No history rows are written.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from directory import version
from directory.models import (
    Area,
    Location,
    Organisation,
    Postcode,
    Service,
    ServiceAtLocation,
    WaitingTimeReport,
)
from directory.reference_data import load_areas

NAMESPACE = uuid.UUID("0c7d5c1e-2b8a-4f7e-9d1c-00000000be11")
BATCH = 2000
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DESCRIPTION = "A fictional service generated for a benchmark. Do not refer anyone to it."


@dataclass(frozen=True)
class Nation:
    code: str
    name: str
    prefix: str  # of synthetic area codes
    las: int
    health_boards: int
    partnerships: int  # safeguarding partnerships (England), each of 1–3 local authorities
    box: tuple[float, float, float, float]  # south, north, west, east


NATIONS = (
    Nation("E92000001", "England", "E", 153, 42, 100, (50.2, 55.6, -5.3, 1.6)),
    Nation("S92000003", "Scotland", "S", 32, 14, 0, (55.0, 58.5, -6.2, -2.0)),
    Nation("N92000002", "Northern Ireland", "N", 11, 5, 0, (54.1, 55.2, -7.9, -5.6)),
)


def _uuid(kind: str, n: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}-{n}")


def _batched(rows: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _create(model, rows: list) -> list:
    created = []
    for chunk in _batched(rows):
        created += model.objects.bulk_create(chunk)
    return created


def _nearest(centre: Area, candidates: Sequence[Area], n: int) -> list[Area]:
    def dist(a: Area) -> float:
        return (a.latitude - centre.latitude) ** 2 + ((a.longitude - centre.longitude) * 0.6) ** 2

    return sorted(candidates, key=dist)[:n]


def _synthetic_areas(rng: random.Random) -> None:
    """England, Scotland and Northern Ireland: nation, boards, partnerships, local authorities, linked."""
    parents = Area.parents.through
    links = []
    for nation in NATIONS:
        south, north, west, east = nation.box
        las = _create(Area, [
            Area(code=f"{nation.prefix}1{n:07d}", name=f"{nation.name} synthetic authority {n:03d}",
                 kind=Area.Kind.LOCAL_AUTHORITY,
                 # Lognormal around 45,000 children: a few large metropolitan areas, many small ones.
                 children_0_17=int(min(300_000, max(2_000, rng.lognormvariate(math.log(45_000), 0.6)))),
                 children_source="Synthetic (benchmark)", children_year=2021,
                 latitude=rng.uniform(south, north), longitude=rng.uniform(west, east))
            for n in range(1, nation.las + 1)
        ])
        total = sum(a.children_0_17 for a in las)
        (country,) = _create(Area, [Area(code=nation.code, name=nation.name, kind=Area.Kind.NATION,
                                         children_0_17=total, children_source="Synthetic (benchmark)")])
        boards = _create(Area, [
            Area(code=f"{nation.prefix}8{n:07d}", name=f"{nation.name} synthetic health board {n:02d}",
                 kind=Area.Kind.HEALTH_BOARD) for n in range(1, nation.health_boards + 1)
        ])
        partnerships = _create(Area, [
            Area(code=f"{nation.prefix}5{n:07d}", name=f"{nation.name} synthetic safeguarding partnership {n:03d}",
                 kind=Area.Kind.SAFEGUARDING_REGION) for n in range(1, nation.partnerships + 1)
        ])
        links += [parents(from_area_id=b.id, to_area_id=country.id) for b in boards + partnerships]
        # Boards by latitude band (neighbours share a board); partnerships of 1–3 consecutive authorities.
        ordered = sorted(las, key=lambda a: (a.latitude, a.longitude))
        for i, la in enumerate(ordered):
            links.append(parents(from_area_id=la.id, to_area_id=country.id))
            links.append(parents(from_area_id=la.id, to_area_id=boards[i * len(boards) // len(ordered)].id))
            if partnerships:
                links.append(parents(from_area_id=la.id,
                                     to_area_id=partnerships[i * len(partnerships) // len(ordered)].id))
    _create(parents, links)


def _synthetic_postcodes(las: Sequence[Area]) -> int:
    """Five made-up unit postcodes per non-Welsh local authority ("QA0 1AB": no real area uses Q)."""
    rows = []
    for i, la in enumerate(sorted((a for a in las if not a.code.startswith("W")), key=lambda a: a.code)):
        outward = f"Q{chr(65 + i // 10)}{i % 10}"
        for j in range(5):
            inward = f"{j + 1}{INWARD_LETTERS[i % 20]}{INWARD_LETTERS[j]}"
            rows.append(Postcode(postcode=f"{outward} {inward}", latitude=la.latitude + 0.01 * j,
                                 longitude=la.longitude - 0.01 * j, lad_code=la.code))
    _create(Postcode, rows)
    return len(rows)


def _flags(rng: random.Random, welsh_area: bool) -> dict:
    forms = {
        "abuse_intra_familial": rng.random() < 0.35,  # the least served form (domain brief)
        "abuse_extra_familial": rng.random() < 0.45,
        "abuse_cse": rng.random() < 0.45,
        "abuse_harmful_sexual_behaviour": rng.random() < 0.25,
        "abuse_online": rng.random() < 0.40,
    }
    if not any(forms.values()):
        forms[rng.choice(list(forms))] = True
    helpline = rng.random() < 0.05
    pre_trial = rng.random() < 0.35
    age_min = rng.choice([0, 0, 3, 4, 5, 5, 8, 11, 11, 13, 16])
    age_max = max(age_min + 2, rng.choice([11, 13, 16, 18, 18, 18, 18, 21, 25]))
    return {
        **forms,
        "kind_therapeutic": rng.random() < 0.55, "kind_advocacy": rng.random() < 0.2,
        "kind_assessment": rng.random() < 0.15, "kind_sarc": rng.random() < 0.03,
        "kind_group_work": rng.random() < 0.15, "kind_helpline": helpline,
        "kind_hsb_intervention": forms["abuse_harmful_sexual_behaviour"] and rng.random() < 0.6,
        # The child, or (for family-only services) a parent or carer: someone is always supported.
        "supports_child": (child := rng.random() < 0.92), "supports_parent_carer": not child or rng.random() < 0.25,
        "supports_sibling": rng.random() < 0.08,
        "age_min": Decimal(age_min), "age_max": Decimal(min(age_max, 25)),
        "referral_by_professional": rng.random() < 0.95, "referral_by_parent_carer": rng.random() < 0.4,
        "referral_by_self": helpline or rng.random() < 0.2,
        "disclosure_required": rng.random() < 0.3, "pre_trial_therapy": pre_trial,
        "requires_proceedings_finished": not pre_trial and rng.random() < 0.15,
        "delivery_in_person": not helpline and rng.random() < 0.85, "delivery_outreach": rng.random() < 0.3,
        "delivery_phone": helpline or rng.random() < 0.35, "delivery_online": rng.random() < 0.4,
        "welsh_available": rng.random() < (0.4 if welsh_area else 0.02),
        "capacity_per_year": None if rng.random() < 0.3 else rng.randint(20, 400),
    }


def _coverage(rng: random.Random, home: Area, same_nation: Sequence[Area], groups: dict[int, list[Area]],
              nation: Area) -> list[Area]:
    """1–30 areas near home (usually local authorities, sometimes its board), or the whole nation."""
    roll = rng.random()
    # 1% nation-wide (about 200 of 20,000): national helplines and charities are single listings,
    # so their number does not grow with the number of local services.
    if roll < 0.01:
        return [nation]
    if roll < 0.11 and groups.get(home.id):
        return [rng.choice(groups[home.id])]
    n = rng.choices([1, rng.randint(2, 5), rng.randint(6, 15), rng.randint(16, 30)], [50, 30, 15, 5])[0]
    return _nearest(home, same_nation, n)


def _wait_history(rng: random.Random, today: date, reports: int) -> list[tuple[int, bool, date]]:
    weeks = rng.choice([0, 1, 2, 4, 6, 8, 12, 16, 20, 26, 35, 52])
    history = []
    for i in range(reports):
        weeks = max(0, min(520, weeks + rng.choice([-4, -2, 0, 0, 2, 4])))
        history.append((weeks, weeks < 40 or rng.random() < 0.5, today - timedelta(days=14 + 30 * i)))
    return history


def _hierarchy(areas: Sequence[Area], las: Sequence[Area]
               ) -> tuple[dict[int, Area], dict[int, list[Area]], dict[str, list[Area]]]:
    """Each authority's nation and boards, and the authorities of each nation."""
    by_id = {a.id: a for a in areas}
    nation_of: dict[int, Area] = {}
    groups: dict[int, list[Area]] = {}
    for la_id, parent_id in Area.parents.through.objects.filter(from_area__kind=Area.Kind.LOCAL_AUTHORITY) \
            .values_list("from_area_id", "to_area_id"):
        parent = by_id[parent_id]
        if parent.kind == Area.Kind.NATION:
            nation_of[la_id] = parent
        else:
            groups.setdefault(la_id, []).append(parent)
    by_nation: dict[str, list[Area]] = {}
    for la in las:
        by_nation.setdefault(nation_of[la.id].code, []).append(la)
    return nation_of, groups, by_nation


def _organisations(rng: random.Random, las: Sequence[Area], n_orgs: int
                   ) -> tuple[list[Organisation], list[Area], dict[int, list[Location]]]:
    """Organisations, each with a home authority and 1–3 sites near it (10% withheld)."""
    # Homes weighted by child population: England holds most services, as it holds most children.
    weights = [la.children_0_17 or 1 for la in las]
    homes = rng.choices(las, weights, k=n_orgs)
    orgs = _create(Organisation, [
        Organisation(public_id=_uuid("org", i), name=f"Synthetic organisation {i:05d} (sample)",
                     name_en=f"Synthetic organisation {i:05d} (sample)",
                     email="info@example.invalid", is_sample=True)
        for i in range(n_orgs)
    ])
    locations = []
    for i, (org, home) in enumerate(zip(orgs, homes, strict=True)):
        for j in range(rng.choice([1, 1, 1, 2, 3])):
            locations.append(Location(
                public_id=_uuid("loc", i * 10 + j), organisation=org, name=f"{org.name} site {j + 1}",
                address_1=f"{rng.randint(1, 200)} Example Street", city=home.name, postcode="",
                latitude=home.latitude + rng.uniform(-0.1, 0.1), longitude=home.longitude + rng.uniform(-0.15, 0.15),
                do_not_publish_address=rng.random() < 0.1,
            ))
    locations = _create(Location, locations)
    sites_of: dict[int, list[Location]] = {}
    for location in locations:
        sites_of.setdefault(location.organisation_id, []).append(location)

    return orgs, homes, sites_of


@transaction.atomic
def generate_national_areas(rng: random.Random | None = None, *, seed: int = 7) -> int:
    """Only the areas (the real Welsh ones and the synthetic rest): what a deployment importing the
    national feed would hold already. The same codes as `generate_national_directory` with that seed."""
    load_areas()
    _synthetic_areas(rng or random.Random(seed))
    return Area.objects.count()


@transaction.atomic
@version.paused()  # bulk_create sends no signals: one bump at the end
def generate_national_directory(*, services: int = 20_000, seed: int = 7, today: date | None = None,
                                postcodes: bool = True) -> dict[str, int]:
    """Fill an EMPTY, migrated database with the synthetic national directory. Returns row counts."""
    if Service.objects.exists():
        raise ValueError("The database already holds services: generate into a fresh database.")
    today = today or date(2026, 1, 15)
    rng = random.Random(seed)
    generate_national_areas(rng)
    areas = list(Area.objects.all())
    las = [a for a in areas if a.kind == Area.Kind.LOCAL_AUTHORITY]
    nation_of, groups, by_nation = _hierarchy(areas, las)
    n_postcodes = _synthetic_postcodes(las) if postcodes else 0

    n_orgs = max(1, services * 3 // 10)
    orgs, homes, sites_of = _organisations(rng, las, n_orgs)
    n_locations = sum(len(sites) for sites in sites_of.values())

    service_rows, coverage_of, org_index = [], [], []
    for i in range(services):
        o = rng.randrange(n_orgs)
        home = homes[o]
        flags = _flags(rng, home.code.startswith("W"))
        status = rng.choices(["active", "paused", "closed"], [85, 10, 5])[0]
        service_rows.append(Service(
            public_id=_uuid("svc", i), organisation=orgs[o], status=status,
            # Both columns: modeltranslation's `name` reads the active language's, English as fallback.
            name=f"Synthetic service {i:05d} (sample)", name_en=f"Synthetic service {i:05d} (sample)",
            description=DESCRIPTION, description_en=DESCRIPTION,
            how_to_refer="Phone the duty worker.", how_to_refer_en="Phone the duty worker.", referral_email="referrals@example.invalid",
            last_confirmed_at=today - timedelta(days=rng.randint(0, 700)), **flags,
        ))
        coverage_of.append(_coverage(rng, home, by_nation[nation_of[home.id].code], groups, nation_of[home.id]))
        org_index.append(o)
    created = _create(Service, service_rows)

    through = Service.coverage_areas.through
    _create(through, [through(service_id=s.id, area_id=a.id) for s, cover in zip(created, coverage_of, strict=True)
                      for a in cover])
    sals = []
    for s, o in zip(created, org_index, strict=True):
        sites = sites_of[orgs[o].id]
        for site in rng.sample(sites, min(len(sites), rng.choice([1, 1, 2]))):
            sals.append(ServiceAtLocation(public_id=_uuid("sal", len(sals)), service_id=s.id, location_id=site.id))
    _create(ServiceAtLocation, sals)
    waits = [
        WaitingTimeReport(service_id=s.id, weeks=weeks, referrals_open=open_, as_of=as_of,
                          recorded_at=datetime.combine(as_of, time(9), tzinfo=UTC))
        for s in created
        for weeks, open_, as_of in _wait_history(rng, today, rng.randint(8, 12))
    ]
    _create(WaitingTimeReport, waits)
    return {
        "areas": len(areas), "local_authorities": len(las), "organisations": n_orgs, "locations": n_locations,
        "services": len(created), "coverage_links": sum(len(c) for c in coverage_of),
        "services_at_locations": len(sals), "waiting_time_reports": len(waits), "postcodes": n_postcodes,
    }
