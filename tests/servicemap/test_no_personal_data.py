"""No model may hold personal data about a child or family (see the domain brief's privacy rules).

The test walks every model Django knows (ours, third-party, history and translation columns) and
fails on:
- a field whose *name* suggests a person's details (child, family, birth, NHS, case, address, …)
  that is not allow-listed, whatever its type (booleans excepted: a yes/no about a service is not
  about a person);
- any field that can hold *free text or arbitrary data* (char, text, JSON, file, IP address) that is
  not allow-listed, because free text is where a case detail gets typed.

A new field therefore fails here until someone decides, in a commented entry below, that it cannot
hold a child's or family's details. Choice fields (a fixed set of codes) are not free text.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

# Name parts that suggest data about a person. Matched against the field name's "_"-separated parts.
SUSPICIOUS_PARTS = {
    "child", "children", "kid", "young", "person", "people", "family", "familial", "parent", "carer",
    "sibling", "pupil", "client", "patient", "victim", "survivor", "perpetrator", "abuser", "dob", "birth",
    "born", "age", "nhs", "case", "casefile", "firstname", "forename", "surname", "lastname", "fullname",
    "address", "postcode", "ethnicity", "gender", "sex", "religion", "disability", "diagnosis", "note",
    "notes", "comment", "comments", "query", "search", "ip", "agent", "referrer", "disclosure",
}
SUSPICIOUS_PAIRS = {("first", "name"), ("last", "name"), ("full", "name"), ("date", "of"), ("home", "address")}
FREE_TEXT = (models.CharField, models.TextField, models.JSONField, models.BinaryField, models.FileField,
             models.GenericIPAddressField)

# "app_label.Model.field" (or "app_label.Model.*" for framework tables) → why it cannot hold a child's
# or family's details. History tables and translated columns are checked as their base field.
ALLOWED = {
    # --- Django's own tables: staff accounts and framework bookkeeping -------------------------
    "admin.LogEntry.object_id": "primary key of the edited row (services, organisations, users)",
    "admin.LogEntry.object_repr": "str() of an edited directory row: service/organisation/area names",
    "admin.LogEntry.change_message": "Django's generated list of changed field names, not typed text",
    "auth.Permission.*": "permission names and codenames, generated from models",
    "auth.Group.name": "staff role names (moderators, providers)",
    "auth.User.password": "a password hash of a staff or provider account",
    "auth.User.username": "staff/provider login; these are professionals, not children or families",
    "auth.User.first_name": "a staff/provider user's own name (a professional, with their consent)",
    "auth.User.last_name": "a staff/provider user's own name (a professional, with their consent)",
    "auth.User.email": "a staff/provider user's work email",
    "contenttypes.ContentType.*": "app and model names",
    "sessions.Session.session_key": "random key",
    "sessions.Session.session_data": "login state and the shortlist (service ids only), signed; never "
                                     "search terms — the search page keeps its criteria in the URL",
    # --- directory: reference data ------------------------------------------------------------
    "directory.Area.code": "ONS / board code of a place",
    "directory.Area.name": "place name",
    "directory.Area.name_cy": "place name in Welsh",
    "directory.Area.children_0_17": "published mid-year estimate of a whole area's child population (aggregate)",
    "directory.Area.children_year": "the year of that estimate",
    "directory.Area.children_source": "citation of that published estimate",
    "directory.Postcode.postcode": "a published postcode centroid (ONS NSPL), not anyone's address",
    "directory.Postcode.lad_code": "local authority code of that postcode",
    "directory.PostcodeDistrict.prefix": "postcode district/sector, a published area",
    "directory.PostcodeDistrict.lad_code": "local authority code",
    # --- directory: organisations and services (about providers, written by providers) ---------
    "directory.Organisation.name": "an organisation's name",
    "directory.Organisation.description": "what the organisation does, published on the site",
    "directory.Organisation.website": "the organisation's website",
    "directory.Organisation.email": "the organisation's public contact email",
    "directory.Organisation.phone": "the organisation's public phone number",
    "directory.Organisation.charity_number": "registered charity number",
    "directory.Organisation.company_number": "Companies House number",
    "directory.Taxonomy.*": "a published vocabulary's name, description, URI and version",
    "directory.TaxonomyTerm.*": "a published vocabulary term",
    "directory.Service.name": "a service's name",
    "directory.Service.description": "what the service offers, published on the site",
    "directory.Service.eligibility": "the service's published criteria (who it accepts), not a child's case",
    "directory.Service.how_to_refer": "the service's published referral route",
    "directory.Service.referral_url": "the service's referral form link",
    "directory.Service.referral_email": "the service's referral inbox",
    "directory.Service.referral_phone": "the service's referral line",
    "directory.Service.other_languages": "languages the service offers",
    "directory.Service.cost_note": "the service's charges",
    "directory.Service.raw_extensions": "Open Referral fields of a service from an imported feed "
                                        "(a directory of services, which holds no client data)",
    "directory.Service.unstated_by_import": "codes of the facts an imported record left unsaid (age_min, age_max, "
                                            "cost, delivery; its validator refuses anything else)",
    "directory.Service.supports_parent_carer": "boolean about the service (listed for its name only)",
    "directory.Service.age_min": "the youngest age the service accepts (a criterion, not a child's age)",
    "directory.Service.age_max": "the oldest age the service accepts (a criterion, not a child's age)",
    "directory.ServiceRendering.kind": "which rendering (a code: oruk-full, oruk-summary, card)",
    "directory.ServiceRendering.language": "a language code",
    "directory.ServiceRendering.stamp": "release, generation and date it was built for (codes)",
    "directory.ServiceRendering.text": "a published service's Open Referral document or search card, built "
                                       "only from the service's own published fields (renderings.py)",
    "directory.Location.name": "the name of a service's premises",
    "directory.Location.name_cy": "the Welsh name of a service's premises (its form refuses a postcode or a child's name, "
    "as for the name)",
    "directory.Location.address_1": "the premises' address (an organisation's, never a child's; can be withheld)",
    "directory.Location.city": "the premises' town",
    "directory.Location.county": "the premises' county",
    "directory.Location.postcode": "the premises' postcode",
    # --- directory: moderation and accounts (issue 4) -----------------------------------------
    "directory.ServiceChange.proposed": "a provider's proposed values of a service's moderated fields "
                                        "(criteria, coverage codes), as JSON; the same text as the listing",
    "directory.ServiceChange.live_when_decided": "the listing's own public fields and locations as they stood when a "
                                                 "moderator decided the change, and the codes of the facts its import "
                                                 "left unsaid then, as JSON; the same text as the listing",
    "directory.ModeratorChangeNotice.changed": "names of the fields a moderator changed (listings/fields.py), "
                                                "never their values",
    "directory.ServiceChange.reason": "a moderator's reason for a decision about a listing, shown to its provider",
    "directory.ProblemReport.comment": "300 characters from the public about what is wrong with a listing; the "
                                       "form warns not to include anything that could identify a child or family "
                                       "and stores nothing about the reporter (a residual risk: moderators read it)",
    "directory.ReviewRequest.basis": "which listing facts a review reminder asked the provider to confirm",
    "directory.ReviewRequest.recipients": "provider staff work emails the reminder went to",
    "accounts.Invitation.email": "the work email of a provider or moderator being invited",
    # django-axes: failed and successful staff/provider logins, for rate limiting (legitimate interest).
    "axes.AccessAttempt.*": "login attempts on staff/provider accounts: username, IP address, user agent",
    "axes.AccessFailureLog.*": "failed staff/provider logins, kept for lockouts",
    "axes.AccessLog.*": "staff/provider logins and logouts",
    # --- gaps: aggregates and snapshots of provision ------------------------------------------
    "gaps.UnmetSearchCount.lad_code": "a local authority code: the cell of a monthly count, not a search",
    "gaps.UnmetSearchCount.abuse_forms": "vocabulary codes joined with '+' (validated by gaps.services)",
    "gaps.UnmetSearchCount.age_band": "a coarse band of a monthly aggregate count, never an age",
    "gaps.Snapshot.directory_version": "which code/data version took the snapshot",
    "gaps.SnapshotService.name": "a service's name as it stood on the snapshot date",
    "gaps.SnapshotService.status": "a service status code",
    "gaps.SnapshotService.la_codes": "local authority codes a service covered",
    "gaps.SnapshotService.abuse_forms": "vocabulary codes of the forms a service works with",
    "gaps.SnapshotService.audiences": "vocabulary codes of who a service supports",
    "gaps.SnapshotService.age_min": "a service's age criterion on that date",
    "gaps.SnapshotService.age_max": "a service's age criterion on that date",
    "gaps.SnapshotAccess.area_code": "an area code",
    "gaps.SnapshotAccess.layer": "an analysis layer's code",
    # --- change history (django-simple-history) -----------------------------------------------
    "*.history_change_reason": "unused by our code and not offered in any form; staff-only if set",
}


def _parts(name: str) -> list[str]:
    return [p for p in name.lower().split("_") if p]


def looks_personal(name: str) -> bool:
    parts = _parts(name)
    return bool(SUSPICIOUS_PARTS & set(parts)) or any(pair in SUSPICIOUS_PAIRS for pair in zip(parts, parts[1:], strict=False))


def _base(model: type[models.Model], field: models.Field) -> tuple[type[models.Model], str]:
    """A history table's field is its tracked model's; a translation column (`name_cy`) is its field's."""
    base_model = getattr(model, "instance_type", None) or model  # simple_history's Historical<Model>
    name = getattr(field, "translated_field", field).name  # modeltranslation's <field>_<lang>
    return base_model, name


def is_allowed(model: type[models.Model], field: models.Field, allowed: dict[str, str] = ALLOWED) -> bool:
    base_model, name = _base(model, field)
    label = base_model._meta.label
    return f"{label}.{name}" in allowed or f"{label}.*" in allowed or f"*.{name}" in allowed


def problems(model: type[models.Model], allowed: dict[str, str] = ALLOWED) -> list[str]:
    found = []
    for field in model._meta.concrete_fields:
        if field.primary_key or isinstance(field, models.ForeignKey | models.BooleanField | models.UUIDField):
            continue
        if looks_personal(field.name):
            reason = "a name that suggests a person's details"
        elif isinstance(field, FREE_TEXT) and not field.choices:  # choices: a fixed set of codes
            reason = "free text"
        else:
            continue
        if not is_allowed(model, field, allowed):
            found.append(f"{model._meta.label}.{field.name}: {reason}")
    return found


def test_no_model_can_hold_personal_data_about_a_child_or_family():
    found = [p for model in apps.get_models(include_auto_created=True) for p in problems(model)]
    assert found == [], (
        "These fields could hold personal data about a child or family. Remove them, or (only if they "
        "cannot) add a commented entry to ALLOWED in this file:\n  " + "\n  ".join(found)
    )


def test_every_allow_list_entry_names_a_field_that_exists():
    # Stale entries would quietly allow a future field of the same name.
    existing = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            base_model, name = _base(model, field)
            existing |= {f"{base_model._meta.label}.{name}", f"{base_model._meta.label}.*", f"*.{name}"}
    assert set(ALLOWED) - existing == set()


@isolate_apps("tests")
def test_it_catches_fields_about_a_child():
    class Referral(models.Model):  # noqa: DJ008 - a throwaway model in an isolated registry
        child_name = models.CharField(max_length=100)
        date_of_birth = models.DateField()
        nhs_number = models.CharField(max_length=10, choices=[("x", "x")])  # choices do not excuse the name
        case_notes = models.TextField()
        search_text = models.CharField(max_length=200)
        details = models.JSONField()  # free text under an innocent name
        client_ip = models.GenericIPAddressField()
        weeks = models.PositiveSmallIntegerField()  # harmless: a number with a plain name
        status = models.CharField(max_length=8, choices=[("open", "open")])  # harmless: codes

        class Meta:
            app_label = "tests"

    flagged = {p.split(":")[0].rsplit(".", 1)[1] for p in problems(Referral)}
    assert flagged == {"child_name", "date_of_birth", "nhs_number", "case_notes", "search_text", "details", "client_ip"}


@isolate_apps("tests")
def test_an_allow_list_entry_clears_only_its_own_field():
    class Listing(models.Model):  # noqa: DJ008 - a throwaway model in an isolated registry
        description = models.TextField()
        notes = models.TextField()

        class Meta:
            app_label = "tests"

    allowed = {"tests.Listing.description": "published text"}
    assert problems(Listing, allowed) == ["tests.Listing.notes: a name that suggests a person's details"]
