from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory.models import Area
from directory.oruk.params import LANGUAGE_CODES
from gaps import layers
from gaps.forms import SORTS, VIEWS


class GapsQuerySerializer(serializers.Serializer):
    layer = serializers.ChoiceField(choices=layers.QUESTION_CODES, default="all")
    age = serializers.ChoiceField(choices=layers.AGE_BAND_CODES, required=False, allow_blank=True, default="")
    view = serializers.ChoiceField(choices=[c for c, _label in VIEWS], default=Area.Kind.LOCAL_AUTHORITY)
    basis = serializers.ChoiceField(choices=[c for c, _label in layers.BASES], default=layers.BASIS_SERVICES)
    need = serializers.ChoiceField(choices=[c for c, _label in layers.NEEDS], default=layers.NEED_CHILDREN)
    # The gaps page's "This table as JSON" link carries the page's sort: the file is the table on screen.
    sort = serializers.ChoiceField(
        choices=[*SORTS, *(f"-{s}" for s in SORTS)], default="name",
        help_text="Order of `areas`, `-` first for descending: name, access (`access_per_10000`), normalised "
                  "(`normalised_access`, access against the Wales level), services (`covering_services`), "
                  "wait (`median_wait_weeks`), longest "
                  "(`longest_wait_weeks`), closed (`closed_lists`). Ties by name; areas without a value last.",
    )
    format = serializers.ChoiceField(choices=["json"], required=False, help_text="JSON, the only format.")
    # Read by servicemap/vary_language.py, which makes it the active language; here it is only checked.
    lang = serializers.ChoiceField(
        choices=LANGUAGE_CODES, required=False, allow_blank=True,
        help_text="The language of `label`, `unit` and `notes`: `cy` Welsh, `en` English. Without it, the "
                  "`Accept-Language` header chooses (`cy` first: Welsh; anything else: English); the answer says "
                  "which in `Content-Language`. Area names are in both languages in every answer (`name`, "
                  "`name_cy`, as in the CSV); `sort=name` orders them by the answer's language's names.",
    )


class FigureField(serializers.FloatField):
    """A computed figure, to 10 decimal places: far finer than any figure means, but without the
    binary float's last-digit noise (the method's worked example gave 5.250000000000001 for 5.25,
    and a Wales level of 2.9999999999999996 for 3)."""

    PLACES = 10

    def to_representation(self, value: float) -> float:
        return round(super().to_representation(value), self.PLACES)


class AreaNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="In English, in either language's answer.")
    name_cy = serializers.CharField(help_text="In Welsh, in either language's answer (empty if it has none).")


class AreaResultSerializer(serializers.Serializer):
    """One row; the context's `no_provision_within` maps a region's (or Wales's) code to its local
    authorities with no provision, which its mean would otherwise hide."""

    code = serializers.CharField()
    name = serializers.CharField(help_text="In English, in either language's answer.")
    name_cy = serializers.CharField(help_text="In Welsh, in either language's answer (empty if it has none).")
    kind = serializers.CharField()
    need = FigureField(
        source="demand",
        help_text="What each service's supply is shared among: children aged 0–17 (Census 2021), a whole number; with "
                  "`need=prevalence`, the estimate of children who will experience sexual abuse (one in ten of them), "
                  "not rounded here, so it may have a tenth. The CSV rounds it to a whole number.",
    )
    covering_services = serializers.IntegerField(source="n_services")
    access_per_10000 = FigureField(source="per_10k")
    normalised_access = FigureField(
        source="normalised",
        help_text="Access against the Wales level (the page's “Against Wales”): `access_per_10000` divided by "
                  "Wales's, so 1 is the Wales level and below 1 is worse.",
    )
    no_provision = serializers.BooleanField()
    median_wait_weeks = serializers.FloatField(
        source="median_wait", allow_null=True,
        help_text="The median of the covering services' latest reported waits, in weeks, those whose list is "
                  "closed included (`closed_lists` counts them); null where none has reported one.",
    )
    longest_wait_weeks = serializers.IntegerField(source="longest_wait", allow_null=True)
    closed_lists = serializers.IntegerField()
    all_lists_closed = serializers.BooleanField()
    local_authorities_with_no_provision = serializers.SerializerMethodField(
        help_text="On a region's row and on Wales's: its local authorities that no service in this layer covers "
                  "(the region's figures are means that include their neighbours). Empty on a local authority's "
                  "own row: see no_provision."
    )

    @extend_schema_field(AreaNameSerializer(many=True))
    def get_local_authorities_with_no_provision(self, row: layers.AreaResult) -> list:
        members = self.context.get("no_provision_within", {}).get(row.code, [])
        return AreaNameSerializer(members, many=True).data


class GapsResponseSerializer(serializers.Serializer):
    """The shape of `/api/gaps/` (for the OpenAPI document)."""

    layer = serializers.CharField()
    label = serializers.CharField()
    basis = serializers.CharField()
    need = serializers.CharField()
    unit = serializers.CharField(help_text="What access_per_10000 counts, per 10,000 of what")
    view = serializers.CharField()
    directory_as_of = serializers.DateField(allow_null=True)
    notes = serializers.DictField(child=serializers.CharField(), help_text="Source, period, method and limits")
    web_page = serializers.URLField(help_text="The public web page of these figures, with the same choices and in "
                                    "the answer's language: where a figure quoted from it can be cited")
    wales = AreaResultSerializer()
    areas = AreaResultSerializer(many=True)
