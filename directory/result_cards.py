"""What a search result card shows of the service alone, rendered once per service and day and
kept in the database until the service changes (directory/renderings.py).

Twenty cards cost about half of a first-time search's Python, most of it in the parts that do not
depend on the search: the name and organisation, ages, the current wait, how to refer, delivery
modes, Welsh, how fresh the listing is. Those parts (templates/directory/includes/result_service.html)
are rendered once and reused by every search that shows the service; the card's own part
(result_card.py) adds what depends on the search (matched criteria, distance, the nearby or
all-Wales label).

The parts are built in Python (`_parts`), the page's translated strings looked up once: through
the template each card cost about a millisecond, most of it in translate tags, filters and
variable lookups. result_service.html stays as the readable definition:
tests/directory/test_result_cards.py holds the two to the same output in English and Welsh.

Correctness: a stored card is used only while the service's `render_token` is the one it was
built from (any change to the service, its organisation, locations, waits or coverage replaces
it), for today's date (waits say "reported 3 days ago"; listings become overdue), the language
(Welsh text and links under /cy/) and the release of the code.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from uuid import UUID

from django.template.defaultfilters import floatformat, linebreaks_filter, truncatewords
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from directory import card_text, phone_numbers, renderings, search_index
from directory.bilingual import translated_text
from directory.templatetags.bilingual import lang_attr
from directory.templatetags.directory_extras import field_labels, labels

TEMPLATE = "directory/includes/result_service.html"
PARTS = ("head", "ages", "rows", "delivery", "tail")
SEPARATOR = "<!--part-->"  # literal in the template; never in rendered data, which is escaped


def render_template(result: object) -> tuple[str, ...]:
    """The parts as result_service.html renders them (the definition `_parts` is tested against)."""
    html = render_to_string(TEMPLATE, {"service": result.service, "result": result})
    parts = tuple(html.split(SEPARATOR))
    assert len(parts) == len(PARTS), "result_service.html must hold one part for each name in PARTS"
    return parts


_ID_MARK = UUID(int=0)


class _Strings:
    """The parts' translated strings and the detail link's form, looked up once for a page."""

    def __init__(self) -> None:
        # Translations come from our catalogue and are not escaped, as the template's own literals.
        self.detail_url = reverse("directory:service_detail", args=[_ID_MARK])
        self.ages = gettext("Ages %(min)s to %(max)s")
        # What an imported record did not state (Service.unstated_by_import) is said so, never its filler.
        self.ages_not_stated = gettext("Ages: not stated")
        self.delivery_not_stated = gettext("Not stated: how support is given.")
        # Said before the ways support is given, which share the "Distance" row (they say whether the
        # distance matters): a screen reader read "Distance: 3.8 km In person, Online" as one.
        self.delivery_heading = gettext("How support is given")
        self.waiting_time = gettext("Waiting time")
        self.referral = gettext("Referral")
        self.referrals_from = gettext("Referrals from %(who)s.")
        self.disclosure = gettext("Needs a verbal disclosure.")
        self.no_disclosure = gettext("No disclosure needed.")
        self.pre_trial = gettext("Offers pre-trial therapy.")
        self.after_proceedings = gettext("Only after the police investigation or court case.")
        # Neither box ticked is not "no": the provider has not said, and a child in a case needs to know.
        self.proceedings_not_stated = gettext(
            "Not stated: whether it works with a child during a police investigation or court case.")
        self.referral_form = gettext("Referral form")
        self.phone = gettext("Phone")
        self.welsh = gettext("Welsh")
        self.in_welsh = gettext("Support available in Welsh")
        self.not_in_welsh = gettext("Not in Welsh")
        self.listing = gettext("Listing")
        self.not_in_welsh_note = gettext("Not available in Welsh: shown in English, as the provider wrote it.")


def _joined(items: list[str]) -> str:
    """As `|join:", "` with autoescape."""
    return ", ".join(conditional_escape(item) for item in items)


def _how_to_refer(service: object, strings: _Strings) -> str:
    """As `{% translated_field service "how_to_refer" words=30 css="govuk-body-s sm-tight" %}`
    (whose template ends in a newline)."""
    translated = translated_text(service, "how_to_refer")
    if not translated.text:
        return "\n"
    text = linebreaks_filter(truncatewords(translated.text, 30), autoescape=True)
    if translated.is_fallback:
        lang = conditional_escape(translated.lang)
        return (f'<p class="govuk-body-s sm-fallback-note">{strings.not_in_welsh_note}</p>'
                f'<div class="sm-provider-text govuk-body-s sm-tight" lang="{lang}">{text}</div>\n')
    return f'<div class="sm-provider-text govuk-body-s sm-tight">{text}</div>\n'


def _referral(service: object, strings: _Strings) -> str:
    who = strings.referrals_from % {"who": _joined(field_labels(service, "referrers"))}
    disclosure = strings.disclosure if service.disclosure_required else strings.no_disclosure
    if service.pre_trial_therapy:
        when = strings.pre_trial
    elif service.requires_proceedings_finished:
        when = strings.after_proceedings
    else:
        when = strings.proceedings_not_stated
    form = phone = ""
    if service.referral_url:
        form = (f'<a class="govuk-link govuk-body-s" href="{conditional_escape(service.referral_url)}" rel="noopener">'
                f'{strings.referral_form}<span class="govuk-visually-hidden"{lang_attr(service, "name")}> '
                f'({conditional_escape(service.name)})'
                "</span></a>")
    if service.referral_phone:
        # On a line of its own and named: beside the form's link it read as a second link to the form.
        phone = f'<p class="govuk-body-s sm-tight">{strings.phone}: {phone_numbers.phone_link(service.referral_phone)}</p>'
    return (
        f'        <p class="govuk-body-s sm-tight">{who}\n        {disclosure}\n        {when}</p>\n'
        f"        {_how_to_refer(service, strings)}\n        {form}\n        {phone}\n"
    )


def _parts(result: object, strings: _Strings) -> tuple[str, ...]:
    """The parts as result_service.html renders them, built in Python."""
    service = result.service
    url = conditional_escape(strings.detail_url.replace(str(_ID_MARK), str(service.public_id)))
    head = (
        f'  <h3 class="govuk-heading-m sm-result__title"><a class="govuk-link" id="service-{service.public_id}-name" '
        f'href="{url}"{lang_attr(service, "name")}>{conditional_escape(service.name)}</a></h3>\n'
        f'  <p class="govuk-body-s sm-secondary sm-result__org"{lang_attr(service.organisation, "name")}>'
        f"{conditional_escape(service.organisation.name)}</p>"
    )
    ages = strings.ages_not_stated if service.ages_unstated else strings.ages % {
        "min": conditional_escape(floatformat(service.age_min, "-1")),
        "max": conditional_escape(floatformat(service.age_max, "-1")),
    }
    rows = (
        '    <div class="govuk-summary-list__row">\n'
        f'      <dt class="govuk-summary-list__key">{strings.waiting_time}</dt>\n'
        f'      <dd class="govuk-summary-list__value">{card_text.wait_html(service, result.wait)}</dd>\n'
        "    </div>\n"
        '    <div class="govuk-summary-list__row">\n'
        f'      <dt class="govuk-summary-list__key">{strings.referral}</dt>\n'
        '      <dd class="govuk-summary-list__value">\n'
        f"{_referral(service, strings)}"
        "      </dd>\n"
        "    </div>"
    )
    delivery = ""
    if service.delivery_unstated:
        delivery = f'<br><span class="govuk-body-s">{strings.delivery_not_stated}</span>'
    elif service.delivery_outreach or service.delivery_phone or service.delivery_online:
        delivery = (f'<br><span class="govuk-body-s"><span class="govuk-visually-hidden">{strings.delivery_heading}: </span>'
                    f'{_joined(labels(service, "delivery_modes"))}</span>')
    tail = (
        '    <div class="govuk-summary-list__row">\n'
        f'      <dt class="govuk-summary-list__key">{strings.welsh}</dt>\n'
        '      <dd class="govuk-summary-list__value">'
        f"{strings.in_welsh if service.welsh_available else strings.not_in_welsh}</dd>\n"
        "    </div>\n"
        '    <div class="govuk-summary-list__row">\n'
        f'      <dt class="govuk-summary-list__key">{strings.listing}</dt>\n'
        f'      <dd class="govuk-summary-list__value govuk-body-s">{card_text.freshness_html(service)}</dd>\n'
        "    </div>\n"
        "  </dl>"
    )
    return head, ages, rows, delivery, tail


# Decoded cards kept in this process, most recently shown last: (language, stamp, service pk,
# render_token) -> the card's parts. A card's text is fixed by that key (the stored card is read
# under the same four; renderings.py), so an entry can never be stale: a change to the service
# gives it a new token, a new release, generation or day a new stamp. Nothing is invalidated, and
# each gunicorn worker holds its own. Reading and decoding 20 stored cards was ~1 floor of a
# first-time search (issue 7); a bench search found about half its cards here. ~2.3 KB a card
# (Welsh a little more): MAX_DECODED cards are ~10 MB a worker.
MAX_DECODED = 4096
_decoded: OrderedDict[tuple, tuple[SafeString, ...]] = OrderedDict()
_decoded_lock = threading.Lock()  # runserver's threads; a sync gunicorn worker has one


def forget() -> None:
    """Drop this process's decoded cards (tests: a rolled-back test's services must not linger)."""
    with _decoded_lock:
        _decoded.clear()


def _held(keys: list[tuple]) -> dict[tuple, tuple[SafeString, ...]]:
    with _decoded_lock:
        found = {}
        for key in keys:
            parts = _decoded.get(key)
            if parts is not None:
                _decoded.move_to_end(key)
                found[key] = parts
        return found


def _hold(decoded: dict[tuple, tuple[SafeString, ...]]) -> None:
    with _decoded_lock:
        _decoded.update(decoded)
        while len(_decoded) > MAX_DECODED:
            _decoded.popitem(last=False)


def attach(
    results: Sequence[object], hydrate: Callable[[Sequence[object]], None] | None = None,
    *, generation: str,
) -> None:
    """Give each result its `card`: the service's parts, held in this process (`_decoded`), stored
    (directory/renderings.py) or rendered and stored. At most one read and one write for the page. Rendering reads the full
    service: with `hydrate` (`selectors.search_results_hydrate`), only the results whose card is not
    stored are given theirs; without, every result must have it already. `generation`: the
    directory's (`version.current_with_generation()`)."""
    by_id = {result.service.id: result for result in results}
    # The token each row was read with (the search index's, with the wait a card shows; hydrating
    # gives a full service, whose own may be newer): a card is stored under it and read by it.
    tokens = {service_id: getattr(result.service, search_index.TOKEN_FIELD) for service_id, result in by_id.items()}

    def build(ids: list[int]) -> dict[int, renderings.Built]:
        pending = [by_id[service_id] for service_id in ids]
        if hydrate is not None:
            hydrate(pending)
        strings = _Strings()
        return {result.service.id: renderings.Built(result.service.id, tokens[result.service.id],
                                                    json.dumps(_parts(result, strings)))
                for result in pending}

    language, current = renderings.language(), renderings.stamp(renderings.CARD, generation)
    keys = {service_id: (language, current, service_id, token) for service_id, token in tokens.items()}
    held = _held(list(keys.values()))
    missing = [service_id for service_id, key in keys.items() if key not in held]
    if missing:
        texts = renderings.get_many(renderings.CARD, missing, build, generation=generation,
                                    tokens={service_id: tokens[service_id] for service_id in missing})
        # SafeString as mark_safe gives for a str, without its check for lazy text on each part.
        decoded = {keys[service_id]: tuple(map(SafeString, json.loads(texts[service_id])))  # rendered with autoescape
                   for service_id in missing}
        _hold(decoded)
        held |= decoded
    for result in results:
        result.card = dict(zip(PARTS, held[keys[result.service.id]], strict=True))
