from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from directory.models import Service, Taxonomy, TaxonomyTerm
from tests.factories import (
    ClosedServiceFactory,
    HiddenLocationFactory,
    LocationFactory,
    OrganisationFactory,
    PausedServiceFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    WaitingTimeReportFactory,
)

CARDIFF = "W06000015"
SWANSEA = "W06000011"
CARDIFF_AND_VALE_UHB = "W11000029"
WALES = "W92000004"


@dataclass
class Feed:
    cardiff_therapy: Service
    swansea_advocacy: Service
    wales_helpline: Service
    paused_hsb: Service
    closed_group: Service
    imported_term: TaxonomyTerm
    imported_taxonomy: Taxonomy

    @property
    def services(self) -> list[Service]:
        return [self.cardiff_therapy, self.swansea_advocacy, self.wales_helpline, self.paused_hsb, self.closed_group]


@pytest.fixture
def feed(wales_areas) -> Feed:
    """Five services covering the filters: areas, ages, forms of abuse, audiences, disclosure, Welsh, waits,
    statuses, a withheld address, an imported taxonomy term with a parent."""
    charity = OrganisationFactory(name="Cardiff Children's Charity", charity_number="1234567",
                                  company_number="07654321", website="https://example.org/", phone="01632 960100")
    cardiff_therapy = ServiceFactory(
        organisation=charity, name="Cardiff therapy", coverage=[wales_areas[CARDIFF]],
        abuse_intra_familial=True, abuse_online=True, supports_parent_carer=True, age_min=Decimal("4"),
        age_max=Decimal("12.5"), disclosure_required=False, welsh_available=True, referral_phone="01632 960101",
        referral_email="referrals@example.org", eligibility="Children living in Cardiff", cost_note="Free",
        pre_trial_therapy=True,
    )
    WaitingTimeReportFactory(service=cardiff_therapy, weeks=10, as_of=date.today() - timedelta(days=60))
    WaitingTimeReportFactory(service=cardiff_therapy, weeks=4, as_of=date.today() - timedelta(days=3))
    ServiceAtLocationFactory(service=cardiff_therapy, location=LocationFactory(organisation=charity, county=""))
    ServiceAtLocationFactory(service=cardiff_therapy,
                             location=HiddenLocationFactory(organisation=charity, name="Therapy house"))

    swansea_advocacy = ServiceFactory(
        name="Swansea advocacy", coverage=[wales_areas[SWANSEA]], abuse_intra_familial=False, abuse_cse=True,
        kind_therapeutic=False, kind_advocacy=True, age_min=Decimal("11"), age_max=Decimal("18"),
        disclosure_required=True, wait_weeks=12, requires_proceedings_finished=True, last_confirmed_at=None,
    )
    wales_helpline = ServiceFactory(
        name="All-Wales helpline", coverage=[wales_areas[WALES]], abuse_extra_familial=True, kind_helpline=True,
        supports_child=True, supports_sibling=True, age_min=Decimal("0"), age_max=Decimal("25"),
        how_to_refer="Call us.", description="",
    )
    paused_hsb = PausedServiceFactory(
        name="HSB service", coverage=[wales_areas[CARDIFF_AND_VALE_UHB]], abuse_harmful_sexual_behaviour=True,
        kind_hsb_intervention=True, wait_weeks=30,
    )
    closed_group = ClosedServiceFactory(name="Closed parents group", supports_child=False,
                                        supports_parent_carer=True, kind_group_work=True)
    WaitingTimeReportFactory(service=closed_group, weeks=0, referrals_open=False)

    taxonomy = Taxonomy.objects.create(name="Imported types", description="From another feed", version="2")
    parent = TaxonomyTerm.objects.create(taxonomy=taxonomy, name="Support", description="Parent term")
    term = TaxonomyTerm.objects.create(taxonomy=taxonomy, name="Counselling", code="C1", description="Talking",
                                       parent=parent, term_uri="https://example.org/terms/c1")
    cardiff_therapy.taxonomy_terms.add(term)
    return Feed(cardiff_therapy, swansea_advocacy, wales_helpline, paused_hsb, closed_group, term, taxonomy)


@pytest.fixture
def api(client: Client):
    """GET under /api/oruk/ returning the response (JSON body in .json())."""

    def get(path: str, **params):
        return client.get(f"/api/oruk/{path.lstrip('/')}", params)

    return get
