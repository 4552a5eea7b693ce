"""The directory: areas, organisations, services, where they are, and their waiting times.

Models hold single-row truths. Reads live in `selectors.py`, writes in `services.py`.
No field here may hold personal data about a child or family.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, get_language_info, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory import vocabulary
from directory.bilingual import NamedInBothLanguages

WALES_CODE = "W92000004"


class AreaManager(models.Manager["Area"]):
    def get_by_natural_key(self, code: str) -> Area:
        # Needed to load exports made with natural keys (backups: docs/deploy.md).
        return self.get(code=code)


class Area(models.Model):
    """A place services take referrals from and need is counted in (LA, board, region, nation)."""

    class Kind(models.TextChoices):
        LOCAL_AUTHORITY = "local_authority", _("Local authority")
        HEALTH_BOARD = "health_board", _("Local health board")
        SAFEGUARDING_REGION = "safeguarding_region", _("Regional safeguarding board")
        NATION = "nation", _("Nation")

    code = models.CharField(_("code"), max_length=32, unique=True, help_text=_("ONS code, or the board's short code"))
    name = models.CharField(_("name"), max_length=200)
    name_cy = models.CharField(_("Welsh name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    parents = models.ManyToManyField(
        "self", verbose_name=_("larger areas"), symmetrical=False, related_name="members", blank=True,
        help_text=_("Larger areas this one belongs to"),
    )
    children_0_17 = models.PositiveIntegerField(_("children aged 0 to 17"), null=True, blank=True)
    children_source = models.CharField(_("source of the number of children"), max_length=300, blank=True)
    children_year = models.PositiveSmallIntegerField(_("year of the number of children"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    objects = AreaManager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @property
    def display_name(self) -> str:
        """The name in the active language, English where no Welsh name is known."""
        if (get_language() or "en").startswith("cy") and self.name_cy:
            return self.name_cy
        return self.name

    @property
    def ons_uri(self) -> str:
        return f"http://statistics.data.gov.uk/id/statistical-geography/{self.code}"


class Organisation(models.Model):
    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    charity_number = models.CharField(_("charity number"), max_length=20, blank=True)
    company_number = models.CharField(_("company number"), max_length=20, blank=True)
    is_sample = models.BooleanField(
        _("sample data"), default=False,
        help_text=_("Fictional sample data; every page shows a banner while any is loaded"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Change history: registered in translation.py (after the Welsh columns exist).

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Taxonomy(models.Model):
    """A published vocabulary (ours or one an imported feed used), for Open Referral."""

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    uri = models.URLField(_("URI"), blank=True)
    version = models.CharField(_("version"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True)
    taxonomy = models.ForeignKey(
        Taxonomy, verbose_name=_("taxonomy"), on_delete=models.CASCADE, related_name="terms", null=True, blank=True,
    )
    code = models.CharField(_("code"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent term"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="children",
    )
    term_uri = models.URLField(_("term URI"), blank=True)

    class Meta:
        verbose_name = _("taxonomy term")
        verbose_name_plural = _("taxonomy terms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unstated(models.TextChoices):
    """A fact an imported record may leave unsaid that the directory shows (Service.unstated_by_import)."""

    AGE_MIN = "age_min", _("youngest age")
    AGE_MAX = "age_max", _("oldest age")
    COST = "cost", _("cost")
    DELIVERY = "delivery", _("how it is given")


# The fields holding each fact: an edit changing any of them states it.
UNSTATED_FIELDS: dict[str, tuple[str, ...]] = {
    Unstated.AGE_MIN: ("age_min",),
    Unstated.AGE_MAX: ("age_max",),
    Unstated.COST: ("is_free",),
    Unstated.DELIVERY: tuple(vocabulary.DELIVERY_MODE_FIELDS.values()),
}
# What an unstated fact is stored as: the widest value, so the search still finds the service for
# any age and any way of giving support (as a feed's "-1", no age limit, already was). Nothing
# filters on cost: the model's default is kept.
UNSTATED_FILLERS: dict[str, dict[str, object]] = {
    Unstated.AGE_MIN: {"age_min": Decimal("0")},
    Unstated.AGE_MAX: {"age_max": Decimal("25")},
    Unstated.COST: {"is_free": True},
    Unstated.DELIVERY: dict.fromkeys(vocabulary.DELIVERY_MODE_FIELDS.values(), True),
}


def only_unstated_codes(value: object) -> None:
    """Service.unstated_by_import holds codes of `Unstated` and nothing else: never free text."""
    if not isinstance(value, list) or any(code not in Unstated.values for code in value):
        raise ValidationError(_("Only these codes: %(codes)s."), params={"codes": ", ".join(Unstated.values)},
                              code="invalid")


def stated_by_change(unstated: list[str], changed: object) -> list[str]:
    """`unstated` less the facts whose fields are among `changed` (names of fields given new values)."""
    changed = set(changed)
    return [code for code in unstated if changed.isdisjoint(UNSTATED_FIELDS.get(code, ()))]


class ServiceQuerySet(models.QuerySet):
    def published(self) -> ServiceQuerySet:
        """Services the public may see: approved by a moderator (new listings wait for approval).

        Every public selector (search, service page, API, maps, gaps) must start from this.
        Closed and stale services are still published; they are labelled, not hidden.
        """
        return self.filter(is_published=True)


class Service(models.Model):
    """A specialist support service, with the criteria that decide who can be referred."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Taking referrals")
        PAUSED = "paused", _("Referrals paused")
        CLOSED = "closed", _("Closed")

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="services",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)

    # Forms of abuse it works with (see vocabulary.ABUSE_FORMS).
    abuse_intra_familial = models.BooleanField(_("intra-familial abuse"), default=False)
    abuse_extra_familial = models.BooleanField(_("extra-familial abuse"), default=False)
    abuse_cse = models.BooleanField(_("child sexual exploitation"), default=False)
    abuse_harmful_sexual_behaviour = models.BooleanField(_("harmful sexual behaviour"), default=False)
    abuse_online = models.BooleanField(_("online abuse"), default=False)

    # Kinds of support.
    kind_therapeutic = models.BooleanField(_("therapeutic / counselling"), default=False)
    kind_advocacy = models.BooleanField(_("advocacy / ChISVA"), default=False)
    kind_assessment = models.BooleanField(_("specialist assessment"), default=False)
    kind_sarc = models.BooleanField(_("SARC medical / forensic"), default=False)
    kind_group_work = models.BooleanField(_("group work"), default=False)
    kind_helpline = models.BooleanField(_("helpline / information"), default=False)
    kind_hsb_intervention = models.BooleanField(_("HSB assessment and intervention"), default=False)

    # Who it supports.
    supports_child = models.BooleanField(_("the child"), default=True)
    supports_parent_carer = models.BooleanField(_("non-abusing parents and carers"), default=False)
    supports_sibling = models.BooleanField(_("siblings"), default=False)

    age_min = models.DecimalField(
        _("Youngest age (years)"), max_digits=4, decimal_places=1, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("25"))],
    )
    age_max = models.DecimalField(
        _("Oldest age (years)"), max_digits=4, decimal_places=1, default=Decimal("18"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("25"))],
    )

    # Who may refer.
    referral_by_professional = models.BooleanField(_("professionals"), default=True)
    referral_by_parent_carer = models.BooleanField(_("parents and carers"), default=False)
    referral_by_self = models.BooleanField(_("young people themselves"), default=False)

    # Criteria.
    disclosure_required = models.BooleanField(
        _("a verbal disclosure is required"), default=False,
        help_text=_("Tick if the service only accepts a child who has told someone in words."),
    )
    pre_trial_therapy = models.BooleanField(
        _("offers pre-trial therapy"), default=False,
        help_text=_("Works with children while a police investigation or court case is ongoing."),
    )
    requires_proceedings_finished = models.BooleanField(
        _("a police investigation or court case must be finished"), default=False,
    )
    eligibility = models.TextField(_("who is eligible"), blank=True)
    how_to_refer = models.TextField(_("how to refer"), blank=True)
    referral_url = models.URLField(_("referral form link"), blank=True)
    referral_email = models.EmailField(_("referral email"), blank=True)
    referral_phone = models.CharField(_("referral phone"), max_length=40, blank=True)

    # Delivery.
    delivery_in_person = models.BooleanField(_("in person"), default=True)
    delivery_outreach = models.BooleanField(_("outreach / home visits"), default=False)
    delivery_phone = models.BooleanField(_("phone"), default=False)
    delivery_online = models.BooleanField(_("online"), default=False)
    welsh_available = models.BooleanField(_("support available in Welsh"), default=False)
    other_languages = models.CharField(_("other languages"), max_length=200, blank=True)

    is_free = models.BooleanField(_("free"), default=True)
    cost_note = models.CharField(_("cost note"), max_length=300, blank=True)
    capacity_per_year = models.PositiveIntegerField(
        _("new referrals a year"), null=True, blank=True,
        help_text=_("Optional. Used as the service's supply in the gaps analysis."),
    )

    coverage_areas = models.ManyToManyField(
        Area, verbose_name=_("areas it takes referrals from"), related_name="covering_services", blank=True,
        help_text=_("The areas it takes referrals from (not where it is based)."),
    )
    taxonomy_terms = models.ManyToManyField(
        TaxonomyTerm, verbose_name=_("taxonomy terms"), related_name="services", blank=True,
        help_text=_("Terms from other published taxonomies (e.g. from an imported feed)."),
    )

    is_published = models.BooleanField(
        _("published"), default=True, db_index=True,
        help_text=_("False for a new listing until a moderator approves it: the public never sees it."),
    )
    last_confirmed_at = models.DateField(_("last confirmed by a person"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # What an import's record did not state of the facts below (UNSTATED_FIELDS' codes): the stored
    # value is a filler the search filters on (UNSTATED_FILLERS: it matches any age or way of giving
    # support), never shown or published as the provider's word. A later record stating it, or an
    # edit changing it, clears its code.
    unstated_by_import = models.JSONField(
        _("not stated by the import"), default=list, blank=True, validators=[only_unstated_codes],
        help_text=_("Facts the imported record did not state: pages show “Not stated” until someone states them."),
    )
    # Open Referral data we imported but cannot map to our fields, kept rather than lost.
    raw_extensions = models.JSONField(_("Open Referral data not mapped to our fields"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    # Replaced whenever anything a rendering of this service shows changes (the service, its
    # organisation, locations, waits, coverage): stored renderings built from an older token are
    # stale (directory/renderings.py). Set by directory.version's signal receivers, not by forms;
    # kept out of the change history (translation.py).
    render_token = models.UUIDField(default=uuid.uuid4, editable=False)
    # Change history (with coverage areas): registered in translation.py, after the Welsh columns exist.

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        # The Open Referral feed pages published services by name (the active language's column,
        # see translation.py) then id: these let a page be read from the index instead of sorting
        # every service on each request; public_id, the only column that query reads, is in the
        # index too so that PostgreSQL need not visit the table (an index-only scan).
        indexes = [
            models.Index(fields=["name_en", "id", "public_id"], condition=Q(is_published=True),
                         name="service_feed_en_idx"),
            models.Index(fields=["name_cy", "id", "public_id"], condition=Q(is_published=True),
                         name="service_feed_cy_idx"),
        ]
        constraints = [
            # Each says what is wrong in words (Django's own message names the constraint), as the
            # listings' forms do (directory/listings/forms.py has the same messages).
            models.CheckConstraint(
                condition=Q(age_min__lte=F("age_max")), name="service_age_min_lte_max",
                violation_error_message=_("The youngest age must not be more than the oldest age."),
            ),
            models.CheckConstraint(
                condition=Q(age_min__gte=0) & Q(age_max__lte=25), name="service_age_in_range",
                violation_error_message=_("Enter an age in years from 0 to 25, like 4 or 4.5."),
            ),
            models.CheckConstraint(
                condition=Q(supports_child=True) | Q(supports_parent_carer=True) | Q(supports_sibling=True),
                name="service_supports_someone",
                violation_error_message=_("Choose who the service supports: the child, parents and carers, or siblings."),
            ),
            models.CheckConstraint(
                condition=~(Q(pre_trial_therapy=True) & Q(requires_proceedings_finished=True)),
                name="service_pre_trial_or_after_proceedings",
                violation_error_message=_(
                    "A service cannot both offer pre-trial therapy and require the police investigation or court "
                    "case to be finished."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused", "closed"]), name="service_status_valid",
                violation_error_message=_("Choose whether the service is taking referrals, has paused them or is closed."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def _codes(self, concept: str) -> list[str]:
        choices, fields = vocabulary.MULTI_VALUED[concept]
        return [code for code, _label in choices if getattr(self, fields[code])]

    @property
    def abuse_forms(self) -> list[str]:
        return self._codes("abuse_forms")

    @property
    def audiences(self) -> list[str]:
        return self._codes("audiences")

    @property
    def support_kinds(self) -> list[str]:
        return self._codes("support_kinds")

    @property
    def referrers(self) -> list[str]:
        return self._codes("referrers")

    @property
    def delivery_modes(self) -> list[str]:
        return self._codes("delivery_modes")

    @property
    def age_min_unstated(self) -> bool:
        return Unstated.AGE_MIN in self.unstated_by_import

    @property
    def age_max_unstated(self) -> bool:
        return Unstated.AGE_MAX in self.unstated_by_import

    @property
    def ages_unstated(self) -> bool:
        """Either end of the age range not stated: pages show the range as not stated (a range with
        one invented end would mislead as much as a wholly invented one)."""
        return self.age_min_unstated or self.age_max_unstated

    @property
    def cost_unstated(self) -> bool:
        return Unstated.COST in self.unstated_by_import

    @property
    def delivery_unstated(self) -> bool:
        return Unstated.DELIVERY in self.unstated_by_import

    @property
    def confirmation_age_days(self) -> int | None:
        if self.last_confirmed_at is None:
            return None
        return (timezone.localdate() - self.last_confirmed_at).days

    @property
    def is_confirmation_overdue(self) -> bool:
        """Not confirmed by a person for 12 months (or never): flagged, never hidden."""
        age = self.confirmation_age_days
        return age is None or age > 365


class Location(NamedInBothLanguages, models.Model):
    """Where an organisation is based. Its address may be withheld from the public."""

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="locations",
    )
    name = models.CharField(_("name"), max_length=200)
    # A plain column, as Area.name_cy, not a modeltranslation one: `name` is what imports, the
    # proposals and the raw history copy write, and must stay the English name in any language.
    name_cy = models.CharField(
        _("Welsh name"), max_length=200, blank=True,
        help_text=_("Shown on Welsh pages. Leave it empty if the place has no Welsh name: the English name is shown."),
    )
    address_1 = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("town or city"), max_length=100, blank=True)
    county = models.CharField(_("county"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    do_not_publish_address = models.BooleanField(
        _("do not publish this address"), default=False,
        help_text=_("E.g. a refuge or a therapy house: the address and map point are never shown."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90) & Q(latitude__lte=90) & Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="location_coordinates_valid",
                violation_error_message=_(
                    "Enter both the latitude and the longitude, or neither: a latitude from -90 to 90 and a longitude "
                    "from -180 to 180."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_public_point(self) -> bool:
        return not self.do_not_publish_address and self.latitude is not None and self.longitude is not None


class ServiceAtLocation(models.Model):
    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="service_at_locations",
    )
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="service_at_locations",
    )

    class Meta:
        verbose_name = _("service at a location")
        verbose_name_plural = _("services at locations")
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="service_location_unique")]

    def __str__(self) -> str:
        return gettext("%(service)s at %(location)s") % {"service": self.service, "location": self.location}


# Waits older than this are shown as "may be out of date" and rank below fresh ones.
WAIT_STALE_AFTER_DAYS = 42
# A wait dated ahead would be the newest report, so the current wait, until that date: "reported
# today", never stale, and every wait given meanwhile hidden behind it.
WAIT_AS_OF_IN_FUTURE = _("A wait cannot be dated in the future. Enter today’s date or an earlier one.")


class WaitingTimeReport(models.Model):
    """One dated report of a service's wait. History is kept: the current wait is the latest."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="waiting_times",
    )
    weeks = models.PositiveSmallIntegerField(
        _("weeks"), help_text=_("0 means no wait"), validators=[MaxValueValidator(520)],
    )
    referrals_open = models.BooleanField(_("referrals open"), default=True)
    as_of = models.DateField(_("as of"), default=date.today)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("waiting time report")
        verbose_name_plural = _("waiting time reports")
        ordering = ["-as_of", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["service", "-as_of", "-recorded_at"], name="wait_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(weeks__gte=0) & Q(weeks__lte=520), name="wait_weeks_in_range",
                violation_error_message=_("Enter a whole number of weeks from 0 to 520."),
            ),
        ]

    def __str__(self) -> str:
        return ngettext(
            "%(service)s: %(weeks)d week as of %(date)s", "%(service)s: %(weeks)d weeks as of %(date)s", self.weeks,
        ) % {"service": self.service, "weeks": self.weeks, "date": self.as_of}

    def clean(self) -> None:
        super().clean()
        if self.as_of and self.as_of > timezone.localdate():
            raise ValidationError({"as_of": WAIT_AS_OF_IN_FUTURE})

    @property
    def age_days(self) -> int:
        return (timezone.localdate() - self.as_of).days

    @property
    def is_stale(self) -> bool:
        """Older than six weeks: shown as "may be out of date", never hidden."""
        return self.age_days > WAIT_STALE_AFTER_DAYS


class Postcode(models.Model):
    """A live unit postcode (Wales), loaded from data/ so look-ups never parse CSV per request."""

    postcode = models.CharField(_("postcode"), max_length=8, unique=True)  # normalised: "CF10 1EP"
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    lad_code = models.CharField(_("local authority code"), max_length=9)

    class Meta:
        verbose_name = _("postcode")
        verbose_name_plural = _("postcodes")

    def __str__(self) -> str:
        return self.postcode


class PostcodeDistrict(models.Model):
    """GB postcode district ("CF10") or sector ("CF10 1") centroid, for partial postcodes."""

    prefix = models.CharField(_("district or sector"), max_length=8, unique=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    lad_code = models.CharField(_("local authority code"), max_length=9, blank=True)
    lad_share = models.FloatField(_("share in the local authority"), default=1.0)

    class Meta:
        verbose_name = _("postcode district or sector")
        verbose_name_plural = _("postcode districts and sectors")

    def __str__(self) -> str:
        return self.prefix


class ServiceChange(models.Model):
    """A provider's proposed change to what decides who is referred, or a new listing, awaiting a moderator.

    The live Service row is always the last approved version. `proposed` holds only the moderated
    fields that differ from it, JSON-safe (decimals as strings, coverage as a sorted list of area
    codes, where it is based as its whole list of locations: listings/fields.LOCATIONS); a new listing is an unpublished Service row with a NEW change pointing at it.
    """

    class Kind(models.TextChoices):
        NEW = "new", _("New listing")
        EDIT = "edit", _("Change to referral details")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        # Taken back by its provider: replaced by their next proposal, or by an edit putting the
        # listing back as it is live (`state_label` tells them apart where it is shown).
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Held(models.TextChoices):
        """Why a listing nobody sent waits for a moderator."""
        CRITERIA_NOT_STATED = "criteria_not_stated", _("Imported: referral criteria not stated")

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    held_because = models.CharField(_("why it waits"), max_length=24, choices=Held.choices, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    proposed = models.JSONField(_("proposed values"), default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    # Once approved the live listing holds the proposed values, and a rejected or later edit moves it
    # on: what the change was decided against is kept here, to show what it changed. Null for one
    # decided or withdrawn before this was kept (selectors.change_live_when_decided reads the history
    # instead). A withdrawn change keeps the listing as it stood when it was taken back.
    # Every editable field (listings/fields.snapshot) and where it was based (fields.LOCATIONS).
    live_when_decided = models.JSONField(_("the listing when it was decided"), null=True, blank=True)
    # When the moderators were emailed about it: at once if nothing else sent was waiting, else in the
    # next daily digest (listings/notifications.py). Null until then; and for a held import (nobody is).
    moderators_emailed_at = models.DateTimeField(_("moderators emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service change")
        verbose_name_plural = _("service changes")
        ordering = ["submitted_at", "id"]
        permissions = [("moderate_directory", "Can moderate the directory (approve, reject, restore, invite)")]
        constraints = [
            # A unique constraint with a condition has Django's message naming it, as a check has.
            models.UniqueConstraint(
                fields=["service"], condition=Q(state="pending"), name="service_change_one_pending",
                violation_error_message=_(
                    "This service already has a change waiting for approval: decide that one first."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected", reason=""), name="service_change_rejection_has_reason",
                violation_error_message=_("Give the reason when a change is not approved."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s for %(service)s (%(state)s)") % {
            "kind": self.get_kind_display(), "service": self.service, "state": self.get_state_display(),
        }

    @property
    def state_label(self) -> str:
        """The state as pages say it. A withdrawn change read with `replaced_by_later` (annotated by
        listings.selectors) says whether a later proposal took its place or nothing did."""
        if self.state == self.State.WITHDRAWN and getattr(self, "replaced_by_later", False):
            return _("Replaced by a later change")
        if self.state == self.State.REJECTED:
            # As every page, button and email says it ("Do not approve", "Your change was not approved").
            return _("Not approved")
        return self.get_state_display()

    @property
    def kind_label(self) -> str:
        """What the change is about, as the queue and pages head it: an edit's proposal may hold
        referral details, where the service is based (its "locations" key), or both."""
        if self.kind != self.Kind.EDIT or "locations" not in self.proposed:
            return self.get_kind_display()
        if len(self.proposed) == 1:
            return _("Change to where it is based")
        return _("Change to referral details and where it is based")


class ProblemReport(models.Model):
    """Someone told us a listing is wrong. Holds no details of who reported it."""

    class Reason(models.TextChoices):
        CONTACT_DETAILS = "contact_details", _("Contact details are wrong")
        CLOSED = "closed", _("The service has closed")
        AREA = "area", _("It does not cover my area")
        CRITERIA = "criteria", _("The referral criteria are wrong")
        WAITING_TIME = "waiting_time", _("The waiting time is wrong")
        OTHER = "other", _("Something else")

    class EmailedTo(models.TextChoices):
        """Who was emailed about it (directory/listings/notifications.py: problem_reported)."""

        PROVIDERS = "providers", _("The provider's editors")
        MODERATORS = "moderators", _("The moderators")

    COMMENT_MAX_LENGTH = 300
    # Still open this many days after it was made (by the calendar): its readers are reminded, then
    # the moderators told (chase_problem_reports, daily; its emails say "a week" and "two weeks").
    REMIND_AFTER_DAYS = 7
    ESCALATE_AFTER_DAYS = 14
    # Resolved ones stay listed, with a button to reopen them, this many days after (the dashboard, the
    # moderation queue): one resolved by mistake, or not put right after all, is found again.
    RESOLVED_LISTED_DAYS = 14

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="problem_reports",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    comment = models.CharField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    emailed_to = models.CharField(
        _("emailed to"), max_length=10, choices=EmailedTo.choices, blank=True,
        help_text=_("Blank: nobody was emailed, as the same people had been emailed about an earlier report, "
                    "still open, less than a day before."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # The last reopening (`problem_report_reopen`), kept when it is resolved again: an open report that
    # was resolved once shows who thought otherwise. A staff account, never the reporter (not kept).
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reopened by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(
        _("reminder sent"), null=True, blank=True,
        help_text=_("When the people who can put it right were reminded that it was still open, a week after it was made."),
    )
    reminded_to = models.CharField(
        _("reminded"), max_length=10, choices=EmailedTo.choices, blank=True,
        help_text=_("Blank with a reminder date: nobody was reminded, as it was first chased when two weeks "
                    "old and the moderators were told instead."),
    )
    escalated_at = models.DateTimeField(
        _("moderators told"), null=True, blank=True,
        help_text=_("When the moderators were told that it was still open, two weeks after it was made."),
    )

    class Meta:
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["service", "resolved_at"], name="problem_report_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=["contact_details", "closed", "area", "criteria", "waiting_time", "other"]),
                name="problem_report_reason_valid",
                violation_error_message=_("Choose what is wrong."),
            ),
            models.CheckConstraint(
                condition=Q(emailed_to__in=["", "providers", "moderators"]), name="problem_report_emailed_to_valid",
                violation_error_message=_("Who was emailed must be blank, the provider's editors or the moderators."),
            ),
            models.CheckConstraint(
                condition=Q(reminded_to__in=["", "providers", "moderators"]), name="problem_report_reminded_to_valid",
                violation_error_message=_("Who was reminded must be blank, the provider's editors or the moderators."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_reason_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def open_days(self) -> int:
        """Days since it was made, by the calendar (0 on the day)."""
        return (timezone.localdate() - timezone.localdate(self.created_at)).days


class ReviewRequest(models.Model):
    """One review request or reminder sent by `send_review_requests`, so it is never sent twice.

    `basis` names what the request was about: the confirmation date it counted from, or the wait
    report it chased. A new confirmation or a new wait starts a new cycle.
    """

    class Kind(models.TextChoices):
        FIRST = "confirm_first", _("Please check your listing (11 months)")
        REMINDER = "confirm_reminder", _("Reminder: please check your listing (12 months)")
        URGENT = "confirm_urgent", _("Urgent: listing not checked for 13 months")
        WAIT = "wait_reminder", _("Please update your waiting time (5 weeks)")

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="review_requests",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    basis = models.CharField(_("basis"), max_length=40)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.TextField(_("recipients"), blank=True, help_text=_("Staff email addresses it went to"))

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "kind", "basis"], name="review_request_sent_once"),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s for %(service)s (%(basis)s)") % {
            "kind": self.get_kind_display(), "service": self.service, "basis": self.basis,
        }


class ModeratorChangeNotice(models.Model):
    """A moderator's change to what the public sees of a provider: a published listing (its fields,
    where it is based, its wait) or the organisation's contact details (`service` None). Its
    provider's editors are emailed the changes not yet told of, together: at once, unless they were
    emailed less than a quiet while ago (listings.services.moderator_changes_send), else by the
    daily run of send_review_requests. So a moderator fixing three locations sends one email.

    `changed` holds field names (listings/fields.py, "locations", "wait"), never values."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+",
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
    )
    changed = models.JSONField(_("fields changed"), default=list)
    restored = models.DateTimeField(_("version restored"), null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    # When its provider was emailed about it: null until the email went.
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("moderator change notice")
        verbose_name_plural = _("moderator change notices")
        ordering = ["made_at", "id"]

    def __str__(self) -> str:
        return f"{self.service or self.organisation}: {', '.join(self.changed)}"


class DirectoryVersion(models.Model):
    """One row whose token changes whenever anything the public sees changes (see `directory.version`).

    Caches of search results, API documents and gap analyses are keyed on the token, so they stay
    correct with several app servers sharing one database. `counter` counts the changes (for people).
    """

    token = models.UUIDField(_("token"))
    # Replaced only by a change whose reach is not known row by row (bulk loads, imports, reference
    # data, taxonomies): every stored rendering built under an older generation is stale.
    generation = models.UUIDField(_("generation"), default=uuid.uuid4)
    counter = models.BigIntegerField(_("counter"), default=0)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("directory version")
        verbose_name_plural = _("directory versions")

    def __str__(self) -> str:
        return f"{self.counter} ({self.token})"


class ServiceRendering(models.Model):
    """A published service's document or card as it was last built, kept until what it shows changes.

    Built from public data only (the same the Open Referral feed and the search page publish), so it
    holds nothing about a child or family. Valid while `token` equals the service's `render_token`
    and `stamp` equals `renderings.stamp(kind)` (the code's release, the directory's generation and,
    for anything showing relative dates, today's date): see directory/renderings.py.
    """

    # What each kind is, as the admin's delete confirmation lists a service's (renderings.KINDS).
    KIND_LABELS = {
        "oruk-full": _("Open Referral record"),
        "oruk-summary": _("Open Referral summary"),
        "card": _("Search result card"),
    }

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="renderings")
    kind = models.CharField(max_length=16)
    language = models.CharField(max_length=8)
    token = models.UUIDField()
    stamp = models.CharField(max_length=96)
    text = models.TextField()

    class Meta:
        verbose_name = _("saved copy of what the public sees")
        verbose_name_plural = _("saved copies of what the public sees")
        constraints = [
            models.UniqueConstraint(fields=["service", "kind", "language"], name="service_rendering_unique"),
        ]

    def __str__(self) -> str:
        # "Open Referral record (Welsh)": listed under its service, so the service is not named again.
        kind = self.KIND_LABELS.get(self.kind, self.kind)
        try:
            language = get_language_info(self.language)["name_translated"]
        except KeyError:
            language = self.language
        return f"{kind} ({language})"


# The link tables Django makes for our many-to-many fields were named "Service-area relationship"
# in English whatever the page's language (Django words the name once, as it makes the model), and
# each row "Service_coverage_areas object (73)": so the admin's delete confirmation listed them. Named
# here instead of by explicit through models, which would rename the coverage history's model and
# table (django-simple-history names it after the link model) and the admin inline's form fields;
# this changes nothing stored, and no migration sees these models.
def _name_link_rows(through: type[models.Model], verbose_name, verbose_name_plural, describe) -> None:
    through._meta.verbose_name = verbose_name
    through._meta.verbose_name_plural = verbose_name_plural
    through.__str__ = describe


_name_link_rows(
    Service.coverage_areas.through, _("referral area"), _("referral areas"),
    lambda row: gettext("%(service)s takes referrals from %(area)s") % {"service": row.service, "area": row.area},
)
_name_link_rows(
    Service.taxonomy_terms.through, _("taxonomy term of a service"), _("taxonomy terms of services"),
    lambda row: f"{row.service}: {row.taxonomyterm}",
)
_name_link_rows(
    Area.parents.through, _("membership of a larger area"), _("memberships of larger areas"),
    lambda row: gettext("%(area)s is part of %(larger_area)s") % {"area": row.from_area, "larger_area": row.to_area},
)
