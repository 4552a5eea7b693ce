"""A search result card's per-search part, as HTML: what templates/directory/includes/result.html
renders around the service's cached parts (result_cards.py), byte for byte.

That part depends on the search (matched criteria, distance, the nearby or all-Wales label), so
a first-time search builds it for each of its twenty cards. Through the template it cost about a
millisecond a card, most of it in `{% translate %}` tags inside the tag loops and in resolving
variables; here the page's translated strings are looked up once (`PageStrings`) and each card is
one string. result.html stays as the readable definition: tests/directory/test_result_card.py
holds the two to the same output in English and Welsh.

Of the service it reads only what a light row (`search_index.ServiceRow`) also has: `public_id`,
`kind_helpline`, `lists_an_area` (and `public_id`, `name` for the shortlist button's hole).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.conf import settings
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

TENTH = Decimal("0.1")


@dataclass
class PageStrings:
    """The card's translated strings for one page (its language and the searched area)."""

    area: str  # escaped, as blocktranslate escapes its variables
    not_from_area: str = field(init=False)
    national_helpline: str = field(init=False)
    all_wales_helpline: str = field(init=False)
    all_wales_service: str = field(init=False)
    works_with: str = field(init=False)
    supports: str = field(init=False)
    not_stated: str = field(init=False)  # a list item: "Works with" when the service lists no form of abuse
    distance: str = field(init=False)
    km: str = field(init=False)
    nearest_base: str = field(init=False)
    no_address: str = field(init=False)
    matches: str = field(init=False)
    decimal_separator: str = field(init=False)
    tags: dict[tuple[str, bool], str] = field(init=False)  # (label, matched) -> <li>, for the language

    def __post_init__(self) -> None:
        # Looked up once per language, not once per page: eleven gettext calls were a tenth of
        # building the cards. Only the area's sentence is the page's own.
        language = _language(get_language() or settings.LANGUAGE_CODE)
        self.__dict__.update(language.strings)
        self.not_from_area = language.not_from_area % {"area": self.area}
        self.tags = language.tags

    @classmethod
    def for_area(cls, area_name: object) -> PageStrings:
        return cls(area=conditional_escape(area_name))

    def tag_list(self, tags: list[tuple[str, bool]]) -> str:
        out = []
        for tag in tags:
            html = self.tags.get(tag)
            if html is None:
                label = conditional_escape(tag[0])
                if tag[1]:
                    html = (f'<li><strong class="govuk-tag govuk-tag--blue sm-match">✓ {label}'
                            f'<span class="govuk-visually-hidden"> ({self.matches})</span></strong></li>')
                else:
                    html = f'<li><span class="govuk-tag govuk-tag--grey">{label}</span></li>'
                self.tags[tag] = html
            out.append(html)
        return "".join(out)


@dataclass
class _Language:
    """A language's card strings, and its tags' HTML as built (labels and matches are few)."""

    not_from_area: str
    strings: dict[str, str]
    tags: dict[tuple[str, bool], str] = field(default_factory=dict)


@functools.lru_cache(maxsize=8)
def _language(language: str) -> _Language:
    """Called with the active language (as results_html._strings): gettext reads that one."""
    # Translations come from our catalogue and are not escaped, as the template's own literals.
    return _Language(not_from_area=gettext("Does not take referrals from %(area)s"), strings={
        "national_helpline": gettext("National helpline"),
        "all_wales_helpline": gettext("All-Wales helpline"),
        "all_wales_service": gettext("All-Wales service"),
        "works_with": gettext("Works with"),
        "supports": gettext("Supports"),
        "not_stated": "<li>" + gettext("Not stated") + "</li>",
        "distance": gettext("Distance"),
        "km": gettext("%(km)s km"),
        "nearest_base": gettext("(nearest base)"),
        "no_address": gettext("No published address"),
        "matches": gettext("matches your search"),
        "decimal_separator": formats.get_format("DECIMAL_SEPARATOR", lang=language),
    })


def km_text(km: float, decimal_separator: str) -> str:
    """`km|floatformat:"1"` as the template writes it (half up, from the float's shortest repr,
    in the language's decimal separator), without the filter's general path, which cost ~0.1 ms a
    card. The filter groups thousands only when asked ("g") or with USE_THOUSAND_SEPARATOR, which
    this project leaves off: tests/directory/test_result_card.py holds the two to the same text."""
    return format(Decimal(repr(km)).quantize(TENTH, ROUND_HALF_UP), "f").replace(".", decimal_separator)


def _label(result: object, strings: PageStrings) -> str:
    if result.is_nearby:
        tag = f'<strong class="govuk-tag govuk-tag--orange">{strings.not_from_area}</strong>'
    elif result.is_fallback:
        service = result.service
        if service.kind_helpline and not service.lists_an_area:
            kind = strings.national_helpline
        elif service.kind_helpline:
            kind = strings.all_wales_helpline
        else:
            kind = strings.all_wales_service
        tag = f'<strong class="govuk-tag govuk-tag--turquoise">{kind}</strong>'
    else:
        return ""
    return f'\n  <p class="govuk-body sm-result__label">{tag}</p>\n  '


def _distance(result: object, strings: PageStrings) -> str:
    if result.distance_km is None:
        return strings.no_address
    text = strings.km % {"km": km_text(result.distance_km, strings.decimal_separator)}
    if len(result.locations) > 1:
        text += " " + strings.nearest_base
    return text


def card_html(result: object, strings: PageStrings, shortlist_button: str) -> SafeString:
    """As result.html: the card around the service's cached parts (`result.card`), with the
    shortlist button (or its hole) given."""
    public_id = result.service.public_id
    # A UUID's text (hex digits and hyphens) is its escaped text: `conditional_escape` cost a tenth of a card.
    public_id = str(public_id) if public_id.__class__ is UUID else conditional_escape(public_id)
    card = result.card or {}
    return mark_safe(  # noqa: S308 - translations from our catalogue; values escaped; card parts rendered escaped
        f'\n<article class="sm-result" id="service-{public_id}" aria-labelledby="service-{public_id}-name">\n'
        f'{card.get("head", "")}\n  {_label(result, strings)}\n'
        '  <dl class="govuk-summary-list sm-summary">\n'
        '    <div class="govuk-summary-list__row">\n'
        f'      <dt class="govuk-summary-list__key">{strings.works_with}</dt>\n'
        f'      <dd class="govuk-summary-list__value"><ul class="sm-tag-list">{strings.tag_list(result.abuse_form_tags) or strings.not_stated}</ul></dd>\n'
        '    </div>\n'
        '    <div class="govuk-summary-list__row">\n'
        f'      <dt class="govuk-summary-list__key">{strings.supports}</dt>\n'
        f'      <dd class="govuk-summary-list__value"><ul class="sm-tag-list">{strings.tag_list(result.audience_tags)}</ul>\n'
        f'        {card.get("ages", "")}</dd>\n'
        '    </div>\n'
        f'{card.get("rows", "")}\n'
        '    <div class="govuk-summary-list__row">\n'
        f'      <dt class="govuk-summary-list__key">{strings.distance}</dt>\n'
        f'      <dd class="govuk-summary-list__value">{_distance(result, strings)}{card.get("delivery", "")}</dd>\n'
        '    </div>\n'
        f'{card.get("tail", "")}\n'
        f'  {shortlist_button}\n'
        '</article>\n\n'
    )
