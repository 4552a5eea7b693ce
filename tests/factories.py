"""factory_boy factories for the directory. A subclass per state (ClosedServiceFactory, ...)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from directory.models import (
    Area,
    Location,
    Organisation,
    Postcode,
    Service,
    ServiceAtLocation,
    WaitingTimeReport,
)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"W06{n:06d}")
    name = factory.Sequence(lambda n: f"Area {n}")
    name_cy = factory.LazyAttribute(lambda a: f"{a.name} (cy)")
    kind = Area.Kind.LOCAL_AUTHORITY
    children_0_17 = 10000
    children_year = 2021


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    email = "info@example.org"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    description = "Therapeutic support for children after sexual abuse."
    status = Service.Status.ACTIVE
    abuse_intra_familial = True
    kind_therapeutic = True
    supports_child = True
    age_min = Decimal("4")
    age_max = Decimal("18")
    how_to_refer = "Phone the duty worker."
    last_confirmed_at = factory.LazyFunction(date.today)

    @factory.post_generation
    def coverage(self, create, extracted, **kwargs):
        if create and extracted:
            self.coverage_areas.set(extracted)

    @factory.post_generation
    def wait_weeks(self, create, extracted, **kwargs):
        if create and extracted is not None:
            WaitingTimeReport.objects.create(service=self, weeks=extracted, as_of=date.today())


class PausedServiceFactory(ServiceFactory):
    status = Service.Status.PAUSED


class ClosedServiceFactory(ServiceFactory):
    status = Service.Status.CLOSED


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    organisation = factory.SubFactory(OrganisationFactory)
    name = "Main office"
    address_1 = "1 High Street"
    city = "Cardiff"
    postcode = "CF10 1EP"
    latitude = 51.4816
    longitude = -3.1791


class HiddenLocationFactory(LocationFactory):
    do_not_publish_address = True


class ServiceAtLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceAtLocation

    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(LocationFactory, organisation=factory.SelfAttribute("..service.organisation"))


class WaitingTimeReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingTimeReport

    service = factory.SubFactory(ServiceFactory)
    weeks = 6
    referrals_open = True
    as_of = factory.LazyFunction(date.today)


class PostcodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Postcode
        django_get_or_create = ("postcode",)

    postcode = "CF10 1EP"
    latitude = 51.4816
    longitude = -3.1791
    lad_code = "W06000015"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("a-long-test-password")


# Accounts and listings (issue 4).
class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.Membership"

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class UnpublishedServiceFactory(ServiceFactory):
    is_published = False


class ProblemReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "directory.ProblemReport"

    service = factory.SubFactory(ServiceFactory)
    reason = "contact_details"
    comment = "The phone number is wrong."


class ResolvedProblemReportFactory(ProblemReportFactory):
    resolved_at = factory.LazyFunction(timezone.now)


class ReopenedProblemReportFactory(ProblemReportFactory):
    """Resolved once, then opened again (services.problem_report_reopen) by a staff account."""

    reopened_at = factory.LazyFunction(timezone.now)
    reopened_by = factory.SubFactory(UserFactory)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.Invitation"

    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)


class AcceptedInvitationFactory(InvitationFactory):
    accepted_at = factory.LazyFunction(timezone.now)


class ReviewRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "directory.ReviewRequest"

    service = factory.SubFactory(ServiceFactory)
    kind = "confirm_first"
    basis = factory.Sequence(lambda n: f"confirmed:2025-01-{n % 28 + 1:02d}")
    recipients = "provider@example.org"


class PendingEditFactory(factory.django.DjangoModelFactory):
    """An edit a provider sent that waits for approval (services.service_edit makes them so)."""

    class Meta:
        model = "directory.ServiceChange"

    service = factory.SubFactory(ServiceFactory)
    kind = "edit"
    state = "pending"
    proposed = factory.LazyFunction(lambda: {"age_max": "16"})
