"""A fictional, clearly labelled sample directory for demonstration and development.

About 80 services across the 22 Welsh local authorities with a realistic mix (SARCs, children's
therapeutic services, ChISVA advocacy, HSB services, groups for non-abusing parents, sibling
support, helplines, online and all-Wales services), realistic waits (some long, some lists
closed) and **deliberate gaps**, so that the gaps module has something true to show:

- no intra-familial provision at all in Blaenau Gwent, Monmouthshire and Merthyr Tydfil (no
  regional or all-Wales service that works with intra-familial abuse covers them);
- no support for non-abusing parents or carers in Wrexham, Pembrokeshire, Neath Port Talbot
  and Torfaen; sibling support only in a few areas;
- thin intra-familial provision (regional advocacy only) in Isle of Anglesey and Ceredigion.

Deterministic: the same services, ids and waits every run (wait dates are relative to today so
freshness stays meaningful). Every organisation is marked `is_sample`, which puts the
"Sample data" banner on every page while any of it is loaded.
"""

from __future__ import annotations

import csv
import gzip
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from directory import version
from directory.models import (
    WALES_CODE,
    Area,
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    WaitingTimeReport,
)
from directory.reference_data import DATA_DIR

SAMPLE_NAMESPACE = uuid.UUID("5a3b0c1e-8d7f-4c1a-9e2b-000000005a3b")
SAMPLE_NOTE = "Fictional sample service: it does not exist. Do not refer anyone to it."

# Local authorities, by region, with the deliberate gaps above.
LAS = {
    "W06000001": "Isle of Anglesey", "W06000002": "Gwynedd", "W06000003": "Conwy",
    "W06000004": "Denbighshire", "W06000005": "Flintshire", "W06000006": "Wrexham",
    "W06000008": "Ceredigion", "W06000009": "Pembrokeshire", "W06000010": "Carmarthenshire",
    "W06000011": "Swansea", "W06000012": "Neath Port Talbot", "W06000013": "Bridgend",
    "W06000014": "Vale of Glamorgan", "W06000015": "Cardiff", "W06000016": "Rhondda Cynon Taf",
    "W06000018": "Caerphilly", "W06000019": "Blaenau Gwent", "W06000020": "Torfaen",
    "W06000021": "Monmouthshire", "W06000022": "Newport", "W06000023": "Powys",
    "W06000024": "Merthyr Tydfil",
}
NO_INTRA_FAMILIAL = {"W06000019", "W06000021", "W06000024"}
NO_INTRA_FAMILIAL_LOCAL = NO_INTRA_FAMILIAL | {"W06000001", "W06000008"}
NO_PARENT_SUPPORT = {"W06000006", "W06000009", "W06000012", "W06000020"}
WELSH_SPEAKING = {"W06000001", "W06000002", "W06000003", "W06000004", "W06000008", "W06000010", "W06000023"}
EARLY_HELP = {
    "W06000005", "W06000006", "W06000010", "W06000011", "W06000012", "W06000013", "W06000014",
    "W06000015", "W06000016", "W06000018", "W06000020", "W06000021", "W06000022",
}
SIBLING_SUPPORT = {"W06000002", "W06000015", "W06000023", "W06000011", "W06000022"}
REGIONS = {
    "north-wales": ("North Wales", "Gogledd Cymru", "W06000003"),
    "mid-west-wales": ("Mid and West Wales", "Canolbarth a Gorllewin Cymru", "W06000010"),
    "west-glamorgan": ("West Glamorgan", "Gorllewin Morgannwg", "W06000011"),
    "cwm-taf-morgannwg": ("Cwm Taf Morgannwg", "Cwm Taf Morgannwg", "W06000016"),
    "cardiff-vale": ("Cardiff and the Vale", "Caerdydd a'r Fro", "W06000015"),
    "gwent": ("Gwent", "Gwent", "W06000022"),
}
REGION_OF_LA = {
    "W06000001": "north-wales", "W06000002": "north-wales", "W06000003": "north-wales",
    "W06000004": "north-wales", "W06000005": "north-wales", "W06000006": "north-wales",
    "W06000008": "mid-west-wales", "W06000009": "mid-west-wales", "W06000010": "mid-west-wales",
    "W06000023": "mid-west-wales", "W06000011": "west-glamorgan", "W06000012": "west-glamorgan",
    "W06000013": "cwm-taf-morgannwg", "W06000016": "cwm-taf-morgannwg", "W06000024": "cwm-taf-morgannwg",
    "W06000014": "cardiff-vale", "W06000015": "cardiff-vale", "W06000018": "gwent", "W06000019": "gwent",
    "W06000020": "gwent", "W06000021": "gwent", "W06000022": "gwent",
}
HEALTH_BOARD_SARCS = {
    "W11000023": ("North Wales", "W06000004"),
    "W11000029": ("South East Wales", "W06000015"),
    "W11000025": ("West Wales", "W06000010"),
    "W11000031": ("Swansea Bay", "W06000011"),
}
WAIT_CHOICES = (0, 2, 3, 4, 6, 8, 10, 12, 16, 20, 26, 32, 40)


@dataclass
class ServiceSpec:
    key: str  # stable key: the service's UUID comes from it
    organisation: str
    name: str
    description: str
    coverage: list[str]
    base_la: str | None  # where its (published or hidden) location is
    flags: dict[str, bool] = field(default_factory=dict)
    age: tuple[str, str] = ("4", "18")
    name_cy: str = ""
    capacity: int | None = None
    status: str = Service.Status.ACTIVE
    hide_address: bool = False
    how_to_refer: str = "Use the referral form, or phone the duty worker to talk a referral through first."
    eligibility: str = ""


def _welsh_la_names() -> dict[str, str]:
    """Each local authority's Welsh name ("Ynys Môn" for Isle of Anglesey), from the shipped data."""
    with open(DATA_DIR / "wales_local_authorities.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["code"]: row["name_cy"] for row in csv.DictReader(handle)}


def _local_specs() -> list[ServiceSpec]:
    specs = []
    las_cy = _welsh_la_names()
    for code, la in LAS.items():
        welsh = code in WELSH_SPEAKING
        la_cy = las_cy[code]  # a Welsh name held "Isle of Anglesey", English on the Welsh pages
        if code not in NO_INTRA_FAMILIAL_LOCAL:
            specs.append(ServiceSpec(
                key=f"therapy-{code}", organisation=f"{la} Children's Recovery Trust (sample)",
                name=f"{la} children's therapeutic service",
                name_cy=f"Gwasanaeth therapiwtig plant {la_cy}" if welsh else "",
                description="One-to-one therapeutic support for children and young people who have been "
                            "sexually abused, including abuse within the family.",
                coverage=[code], base_la=code, hide_address=code in {"W06000015", "W06000023"},
                flags={"abuse_intra_familial": True, "abuse_extra_familial": True, "abuse_online": True,
                       "kind_therapeutic": True, "supports_parent_carer": code not in NO_PARENT_SUPPORT,
                       "delivery_outreach": code in {"W06000023", "W06000002", "W06000009"},
                       "delivery_online": True, "welsh_available": welsh,
                       "disclosure_required": code in {"W06000005", "W06000014", "W06000018"},
                       "pre_trial_therapy": code not in {"W06000013", "W06000020"},
                       "referral_by_parent_carer": code in {"W06000015", "W06000023", "W06000011"}},
                age=("5", "18"), capacity=[40, 60, 80, 120][len(la) % 4],
            ))
        if code not in NO_PARENT_SUPPORT and len(la) % 3 != 0:
            specs.append(ServiceSpec(
                key=f"parents-{code}", organisation=f"{la} Families Together (sample)",
                name=f"{la} group for non-abusing parents and carers",
                name_cy=f"Grŵp {la_cy} i rieni a gofalwyr nad ydynt yn cam-drin" if welsh else "",
                description="A ten-week group and one-to-one sessions for mothers, fathers and carers "
                            "of children who have been sexually abused.",
                coverage=[code], base_la=code,
                flags={"abuse_intra_familial": code not in NO_INTRA_FAMILIAL, "abuse_extra_familial": True,
                       "abuse_cse": True, "kind_group_work": True, "supports_child": False,
                       "supports_parent_carer": True, "welsh_available": welsh,
                       "referral_by_parent_carer": True, "delivery_online": True},
                age=("0", "18"), capacity=30,
            ))
        if code in EARLY_HELP:
            specs.append(ServiceSpec(
                key=f"early-help-{code}", organisation=f"{la} Young People's Service (sample)",
                name=f"{la} exploitation and online harm early help",
                description="Short-term direct work for young people at risk of exploitation or harmed "
                            "online, with safety planning alongside their family.",
                coverage=[code], base_la=code,
                flags={"abuse_extra_familial": True, "abuse_cse": True, "abuse_online": True,
                       "kind_therapeutic": True, "kind_group_work": True, "delivery_outreach": True,
                       "referral_by_self": True, "referral_by_parent_carer": True,
                       "supports_parent_carer": code not in NO_PARENT_SUPPORT},
                age=("10", "18"), capacity=50,
            ))
        if code in SIBLING_SUPPORT:
            specs.append(ServiceSpec(
                key=f"siblings-{code}", organisation=f"{la} Children's Recovery Trust (sample)",
                name=f"{la} sibling support",
                description="Play and group sessions for brothers and sisters of a child who has been abused.",
                coverage=[code], base_la=code,
                flags={"abuse_intra_familial": True, "abuse_extra_familial": True, "kind_group_work": True,
                       "supports_child": False, "supports_sibling": True, "welsh_available": welsh,
                       "referral_by_parent_carer": True},
                age=("4", "16"), capacity=20,
            ))
    return specs


def _region_minus(region: str, excluded: set[str]) -> list[str]:
    """A region's coverage as the region itself, or as its other LAs when some are left out."""
    members = [code for code, r in REGION_OF_LA.items() if r == region]
    if not excluded & set(members):
        return [region]
    return [code for code in members if code not in excluded]


def _regional_specs() -> list[ServiceSpec]:
    specs = []
    for region, (name, name_cy, base) in REGIONS.items():
        specs.append(ServiceSpec(
            key=f"chisva-{region}", organisation=f"{name} Advocacy Partnership (sample)",
            name=f"{name} children's ISVA service", name_cy=f"Gwasanaeth ISVA plant {name_cy}",
            description="Children's independent sexual violence advisers (ChISVAs): support through "
                        "police investigations and court, and for the family around the child.",
            coverage=_region_minus(region, NO_INTRA_FAMILIAL), base_la=base,
            flags={"abuse_intra_familial": True, "abuse_extra_familial": True, "abuse_cse": True,
                   "abuse_online": True, "kind_advocacy": True,
                   "pre_trial_therapy": True, "delivery_outreach": True, "delivery_phone": True,
                   "welsh_available": region in {"north-wales", "mid-west-wales"},
                   "referral_by_parent_carer": True, "referral_by_self": True},
            age=("4", "18"), capacity=150,
            eligibility="Children who have reported sexual abuse to the police, or are thinking about it.",
        ))
        specs.append(ServiceSpec(
            key=f"hsb-{region}", organisation=f"{name} Safer Futures (sample)",
            name=f"{name} harmful sexual behaviour service",
            description="Assessment and intervention (AIM-based) for children who display harmful sexual "
                        "behaviour, with support for their parents and carers.",
            coverage=[region], base_la=base,
            flags={"abuse_harmful_sexual_behaviour": True, "kind_hsb_intervention": True,
                   "kind_assessment": True, "delivery_outreach": True,
                   "supports_parent_carer": region in {"cardiff-vale", "cwm-taf-morgannwg"},
                   "welsh_available": region == "north-wales"},
            age=("8", "18"), capacity=60,
        ))
        specs.append(ServiceSpec(
            key=f"cse-{region}", organisation=f"{name} Advocacy Partnership (sample)",
            name=f"{name} exploitation response team",
            description="Specialist workers for young people at risk of, or experiencing, child sexual "
                        "exploitation; direct work, safety planning and advocacy.",
            coverage=[region], base_la=base,
            flags={"abuse_cse": True, "abuse_extra_familial": True, "abuse_online": True,
                   "kind_therapeutic": True, "kind_advocacy": True, "delivery_outreach": True,
                   "referral_by_self": True, "welsh_available": region == "mid-west-wales"},
            age=("10", "18"), capacity=80,
        ))
    # A regional family service for the south west and mid Wales (so Powys has two Welsh options).
    specs.append(ServiceSpec(
        key="families-mid-west", organisation="Mid and West Wales Advocacy Partnership (sample)",
        name="Mid and West Wales whole-family recovery service",
        name_cy="Gwasanaeth adfer teulu cyfan Canolbarth a Gorllewin Cymru",
        description="Therapeutic work with the child and the non-abusing parent together, for abuse within "
                    "the family. No disclosure needed: concerns are enough.",
        coverage=["W06000023", "W06000010", "W06000008"], base_la="W06000023",
        flags={"abuse_intra_familial": True, "kind_therapeutic": True, "supports_parent_carer": True,
               "supports_sibling": True, "welsh_available": True, "delivery_outreach": True,
               "pre_trial_therapy": True, "referral_by_parent_carer": True},
        age=("3", "17"), capacity=45,
    ))
    for board, (name, base) in HEALTH_BOARD_SARCS.items():
        specs.append(ServiceSpec(
            key=f"sarc-{board}", organisation="Sample Sexual Assault Referral Centres (sample)",
            name=f"{name} paediatric SARC",
            description="Forensic medical examination, sexual health and follow-up for children after "
                        "recent sexual abuse, 24 hours a day by appointment.",
            coverage=[board], base_la=base, hide_address=True,
            flags={"abuse_intra_familial": True, "abuse_extra_familial": True, "abuse_cse": True,
                   "kind_sarc": True, "kind_assessment": True,
                   "referral_by_parent_carer": True, "referral_by_self": True, "delivery_phone": True},
            age=("0", "18"), how_to_refer="Phone the SARC 24-hour line: a crisis worker arranges the appointment.",
        ))
    return specs


def _all_wales_specs() -> list[ServiceSpec]:
    # None of these works with intra-familial abuse: that keeps the deliberate gaps real.
    common = {"coverage": [WALES_CODE], "base_la": None}
    return [
        ServiceSpec(key="helpline-wales", organisation="Cymru Listening Line (sample)",
                    name="All-Wales young people's helpline", name_cy="Llinell gymorth pobl ifanc Cymru gyfan",
                    description="Free, confidential phone and chat support for young people worried about "
                                "sexual abuse or exploitation, in Welsh or English.",
                    flags={"abuse_extra_familial": True, "abuse_cse": True, "abuse_online": True,
                           "kind_helpline": True, "delivery_in_person": False, "delivery_phone": True,
                           "delivery_online": True, "welsh_available": True, "referral_by_self": True,
                           "referral_by_parent_carer": True},
                    age=("11", "25"), how_to_refer="No referral needed: phone or chat.", **common),
        ServiceSpec(key="online-wales", organisation="Safer Online Cymru (sample)",
                    name="Online abuse recovery service",
                    description="Online therapeutic sessions for young people harmed through technology-assisted "
                                "abuse, including image-based abuse.",
                    flags={"abuse_online": True, "kind_therapeutic": True, "delivery_in_person": False,
                           "delivery_online": True, "referral_by_self": True, "disclosure_required": True},
                    age=("12", "18"), capacity=100, **common),
        ServiceSpec(key="hsb-wales", organisation="Safer Online Cymru (sample)",
                    name="All-Wales HSB consultation line",
                    description="Consultation for professionals working with a child who displays harmful "
                                "sexual behaviour.",
                    flags={"abuse_harmful_sexual_behaviour": True, "kind_helpline": True, "kind_assessment": True,
                           "delivery_in_person": False,
                           "delivery_phone": True},
                    age=("5", "18"), **common),
        ServiceSpec(key="cse-wales", organisation="Cymru Listening Line (sample)",
                    name="All-Wales exploitation group programme",
                    description="Online group programme for young people recovering from child sexual "
                                "exploitation.",
                    flags={"abuse_cse": True, "kind_group_work": True, "delivery_in_person": False,
                           "delivery_online": True, "referral_by_self": True},
                    age=("13", "18"), capacity=50, status=Service.Status.PAUSED, **common),
    ]


def sample_specs() -> list[ServiceSpec]:
    """Every sample service, in a fixed order."""
    return _local_specs() + _regional_specs() + _all_wales_specs()


def _postcodes_by_la() -> dict[str, list[tuple[str, float, float]]]:
    by_la: dict[str, list[tuple[str, float, float]]] = {}
    with gzip.open(DATA_DIR / "wales_postcodes.csv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_la.setdefault(row["lad_code"], []).append(
                (row["postcode"], float(row["latitude"]), float(row["longitude"]))
            )
    return by_la


def _wait_history(rng: random.Random, today: date) -> list[tuple[int, bool, date]]:
    """A few monthly reports, the latest sometimes stale, sometimes with the list closed."""
    latest_age_days = rng.choice([2, 5, 9, 14, 20, 30, 38, 60, 75])
    reports = []
    weeks = rng.choice(WAIT_CHOICES)
    for i in range(rng.randint(2, 6)):
        as_of = today - timedelta(days=latest_age_days + 30 * i)
        weeks_then = max(0, weeks + rng.choice([-4, -2, 0, 2, 4]) * i)
        reports.append((weeks_then, True, as_of))
    if weeks >= 26 and rng.random() < 0.5:
        reports[0] = (weeks, False, reports[0][2])  # a long wait: the list has been closed
    return reports


def _spec_fields(spec: ServiceSpec) -> dict:
    fields = {
        "name": spec.name, "name_en": spec.name, "name_cy": spec.name_cy or None,
        "description": f"{spec.description}\n\n{SAMPLE_NOTE}", "status": spec.status,
        "age_min": Decimal(spec.age[0]), "age_max": Decimal(spec.age[1]),
        "how_to_refer": spec.how_to_refer, "eligibility": spec.eligibility,
        "capacity_per_year": spec.capacity,
        "referral_email": "referrals@example.invalid", "referral_phone": "01632 960000",
        "referral_url": "https://example.invalid/refer",
        # Defaults a spec does not mention, so a re-run resets anything edited by hand.
        "supports_child": True, "delivery_in_person": True, "referral_by_professional": True,
    }
    for concept_field in (
        "abuse_intra_familial", "abuse_extra_familial", "abuse_cse", "abuse_harmful_sexual_behaviour",
        "abuse_online", "kind_therapeutic", "kind_advocacy", "kind_assessment", "kind_sarc", "kind_group_work",
        "kind_helpline", "kind_hsb_intervention", "supports_parent_carer", "supports_sibling",
        "referral_by_parent_carer", "referral_by_self", "disclosure_required", "pre_trial_therapy",
        "requires_proceedings_finished", "delivery_outreach", "delivery_phone", "delivery_online",
        "welsh_available",
    ):
        fields.setdefault(concept_field, False)
    fields.update(spec.flags)
    return fields


def _refreshed(model, public_id: uuid.UUID, values: dict):
    """update_or_create that saves only when a value differs: `make run` loads the sample every
    time, and each save is a version in the row's change history."""
    row = model.objects.filter(public_id=public_id).first()
    if row is None:
        return model.objects.create(public_id=public_id, **values)
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(row, name, value)
        row.save()
    return row


@version.paused()  # one version bump for the whole load, after it commits
@transaction.atomic
def load_sample_directory(today: date | None = None) -> dict[str, int]:
    """Create or refresh the sample directory. Needs the areas loaded first."""
    today = today or date.today()
    rng = random.Random(20261125)
    areas = {a.code: a for a in Area.objects.all()}
    missing = {WALES_CODE, *LAS} - set(areas)
    if missing:
        raise ValueError("Load the reference data first (manage.py load_reference_data).")
    postcodes = _postcodes_by_la()
    specs = sample_specs()
    # Sample services dropped from the spec since the last load go, so re-runs converge.
    keep = {uuid.uuid5(SAMPLE_NAMESPACE, f"service:{spec.key}") for spec in specs}
    Service.objects.filter(organisation__is_sample=True).exclude(public_id__in=keep).delete()
    counts = {"organisations": 0, "services": 0, "locations": 0, "waits": 0}
    organisations: dict[str, Organisation] = {}
    for spec in specs:
        org = organisations.get(spec.organisation)
        if org is None:
            org = _refreshed(
                Organisation, uuid.uuid5(SAMPLE_NAMESPACE, f"org:{spec.organisation}"),
                {"name": spec.organisation, "name_en": spec.organisation, "is_sample": True,
                 "description": SAMPLE_NOTE, "email": "hello@example.invalid",
                 "phone": "01632 960001", "website": "https://example.invalid/"},
            )
            organisations[spec.organisation] = org
            counts["organisations"] += 1
        confirmed_days = rng.choice([3, 20, 45, 90, 150, 200, 300, 340, 380, 420])
        service = _refreshed(
            Service, uuid.uuid5(SAMPLE_NAMESPACE, f"service:{spec.key}"),
            {**_spec_fields(spec), "organisation": org, "last_confirmed_at": today - timedelta(days=confirmed_days)},
        )
        service.coverage_areas.set([areas[code] for code in spec.coverage])
        counts["services"] += 1

        service.waiting_times.all().delete()
        reports = [] if spec.key.startswith(("helpline", "hsb-wales")) else _wait_history(rng, today)
        WaitingTimeReport.objects.bulk_create(
            WaitingTimeReport(service=service, weeks=w, referrals_open=open_, as_of=as_of) for w, open_, as_of in reports
        )
        counts["waits"] += len(reports)

        if spec.base_la:
            postcode, lat, lon = rng.choice(postcodes[spec.base_la])
            location = _refreshed(
                Location, uuid.uuid5(SAMPLE_NAMESPACE, f"location:{spec.key}"),
                # A service named in Welsh has its base named in Welsh too, to show a Welsh location name.
                {"organisation": org, "name": f"{spec.name} base",
                 "name_cy": f"Canolfan {spec.name_cy}" if spec.name_cy else "", "address_1": "1 Sample Street",
                 "city": LAS[spec.base_la], "county": LAS[spec.base_la], "postcode": postcode,
                 "latitude": lat, "longitude": lon, "do_not_publish_address": spec.hide_address},
            )
            ServiceAtLocation.objects.update_or_create(
                public_id=uuid.uuid5(SAMPLE_NAMESPACE, f"sal:{spec.key}"),
                defaults={"service": service, "location": location},
            )
            counts["locations"] += 1
    return counts


def sample_service_ids() -> set[uuid.UUID]:
    """The public ids the sample's services have or had (the spec's, and any loaded from an older one)."""
    ids = set(Service.objects.filter(organisation__is_sample=True).values_list("public_id", flat=True))
    return ids | {uuid.uuid5(SAMPLE_NAMESPACE, f"service:{spec.key}") for spec in sample_specs()}


@transaction.atomic
def remove_sample_directory() -> dict[str, int]:
    """Delete every sample organisation with its services, locations and waits. Returns what went."""
    orgs = Organisation.objects.filter(is_sample=True)
    _deleted, services = Service.objects.filter(organisation__in=orgs).delete()
    _deleted, by_model = orgs.delete()
    return {"organisations": by_model.get(Organisation._meta.label, 0), "services": services.get(Service._meta.label, 0),
            "locations": by_model.get(Location._meta.label, 0)}
