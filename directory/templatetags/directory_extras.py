"""Small template helpers for the directory's pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template
from django.utils.dates import MONTHS
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from directory import card_text, form_fields, local_authority_options, phone_numbers, result_card, vocabulary
from servicemap.templatetags.security import csp_nonce

register = template.Library()


@register.simple_tag
def card_wait(service, wait) -> str:
    """The wait as includes/wait.html shows it, built in Python for the search's result cards."""
    return card_text.wait_html(service, wait)


@register.simple_tag
def card_freshness(service) -> str:
    """How fresh the listing is, as includes/freshness.html shows it, for the search's result cards."""
    return card_text.freshness_html(service)


@register.simple_tag(takes_context=True)
def search_result_card(context, result) -> str:
    """A result card as includes/result.html renders it, built in Python (directory/result_card.py);
    the page's translated strings are looked up once, on its first card."""
    strings = context.render_context.get(result_card.PageStrings)
    if strings is None:
        strings = context.render_context[result_card.PageStrings] = result_card.PageStrings.for_area(
            context["outcome"].area.name)
    return result_card.card_html(result, strings, shortlist_button(context, result.service))


@register.filter
def url_host(url: str) -> str:
    """The site a link goes to, "www." left off: "example.org" for https://www.example.org/refer.

    A referral form's link on a service's page is named by it rather than by its whole address, which
    a screen reader read out character by character (print still shows the address, after the link).
    """
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


@register.filter
def print_day(day: str) -> SafeString:
    """The day a printed page says it was printed on (`print_date`'s words), for js/print.js to put
    in the day it is printed on: the page may have been loaded days before. With the page language's
    month names, which the script puts in the same form ("j F Y")."""
    months = ",".join(str(MONTHS[month]) for month in range(1, 13))
    return format_html('<span class="sm-print-date" data-months="{}">{}</span>', months, day)


@register.filter(is_safe=True)
def phone_link(written: str) -> str:
    """A phone number as written, linked to dial it (`tel:`) where it is plainly one number."""
    return phone_numbers.phone_link(written)


@register.filter
def email_breaks(address: str) -> SafeString:
    """An email address a narrow column may wrap after its "@" and before a ".", where a reader expects
    a break, and nowhere else: the queue's "Sent" column split one mid-word ("prov@exampl / e.org")."""
    return mark_safe(conditional_escape(address).replace("@", "@<wbr>").replace(".", "<wbr>."))  # escaped first


@register.filter
def labels(service, concept: str) -> list[str]:
    """The labels of a service's codes for one vocabulary concept: `service|labels:"abuse_forms"`."""
    return [label for _code, field, label in vocabulary.translated_choices(concept) if getattr(service, field)]


@register.filter
def field_labels(service, concept: str) -> list[str]:
    """The model's own (lower-case, plural) names for a service's codes: "professionals", ..."""
    choices, fields = vocabulary.MULTI_VALUED[concept]
    meta = type(service)._meta
    return [str(meta.get_field(fields[code]).verbose_name) for code, _label in choices if getattr(service, fields[code])]


@register.simple_tag(takes_context=True)
def shortlist_button(context, service) -> str:
    """The add to / remove from shortlist form; on a page rendered for the cache
    (`search_cache.Holes` in the context), a hole each request fills with its own."""
    holes = context.get("holes")
    if holes is not None:
        return holes.shortlist_button(service)
    template = context.template.engine.get_template("directory/includes/shortlist_button.html")
    with context.push(service=service):
        return template.render(context)


@register.simple_tag(takes_context=True)
def search_map(context, map_html) -> str:
    """The map with this response's CSP nonce; on a page rendered for the cache, a hole."""
    holes = context.get("holes")
    if holes is not None:
        return holes.map(map_html)
    return csp_nonce(map_html, context.get("request"))


@register.simple_tag
def form_input(field, width, inputmode="", autocomplete="") -> str:
    """A text input as includes/input.html renders it, built in Python (directory/form_fields.py)."""
    return form_fields.text_input(field, width, inputmode, autocomplete)


@register.simple_tag
def form_checkboxes(field) -> str:
    """Small checkboxes as includes/checkboxes.html renders them, built in Python."""
    return form_fields.checkboxes(field)


@register.simple_tag
def form_radios(field) -> str:
    """Small radios as includes/radios.html renders them, built in Python."""
    return form_fields.radios(field)


@register.simple_tag
def form_field_errors(field) -> str:
    """A field's error messages as includes/field_errors.html renders them, built in Python."""
    return form_fields.field_errors(field)


@register.simple_tag
def la_options(field, directory_version=None) -> str:
    """The local authority `<option>`s, cached per directory version and language."""
    return local_authority_options.render(field, directory_version)
