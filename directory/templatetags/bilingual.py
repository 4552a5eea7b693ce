"""Template tags for the bilingual site.

    {% load bilingual %}
    <a href="{% url_in_language 'cy' %}">Cymraeg</a>          the current page and query in Welsh
    {% url_in_language 'cy' as welsh %}{% if welsh %}…          "" where the page has one address only
    {% translated_field service "description" %}              block text, with a note on fallback
    {% translated_field service "name" inline=True %}         inline text, with a short note
    {% translated_field service "how_to_refer" words=30 css="govuk-body-s" %}
    <h1 {% lang_attr service "name" %}>{{ service.name }}</h1>  lang="en" when Welsh is missing
    {% area_in_its_language area %}                            its name, in <span lang="en"> when Welsh is missing
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from directory.bilingual import (
    area_display_name,
    area_name_language,
    has_language_versions,
    translated_text,
    url_in_language,
)

register = template.Library()


@register.simple_tag(takes_context=True, name="url_in_language")
def url_in_language_tag(context: template.Context, language: str) -> str:
    request = context.get("request")
    # `page_address`: a form refused and shown again at the address it was sent to, which takes only
    # POST (a button's), names the page it is on, so the other language's link is not a blank 405.
    full_path = context.get("page_address") or (request.get_full_path() if request is not None else "/")
    # An error page at an address with no other language (the API docs page's 405) links to none:
    # the other prefix in front of it would be a 404.
    if not has_language_versions(full_path):
        return ""
    return url_in_language(full_path, language)


@register.inclusion_tag("includes/translated_field.html")
def translated_field(obj: object, field: str, inline: bool = False, words: int | None = None, css: str = "") -> dict:
    """Provider text in the page's language; on fallback, English marked `lang="en"` with a note.

    `inline` for text inside a sentence or a heading (a short note after it); `words` shortens
    the text (as `truncatewords`); `css` is the class of the block's wrapper.
    """
    return {"translated": translated_text(obj, field), "inline": inline, "words": words, "css": css}


@register.simple_tag
def lang_attr(obj: object, field: str) -> str:
    """` lang="en"` where the active language's text is missing and English is shown instead."""
    translated = translated_text(obj, field)
    if translated.is_fallback:
        return format_html(' lang="{}"', translated.lang)
    return ""


@register.simple_tag
def area_in_its_language(area: object) -> str:
    """An area's name in the page's language (`area_name`), in a `<span lang="en">` where a Welsh
    page shows its English name for want of a Welsh one."""
    name, name_cy = getattr(area, "name", ""), getattr(area, "name_cy", "")
    lang = area_name_language(name, name_cy)
    if lang:
        return format_html('<span lang="{}">{}</span>', lang, name)
    return format_html("{}", area_display_name(name, name_cy))


@register.filter
def area_name(area: object) -> str:
    """An area's name in the page's language, for anything with `name` and `name_cy`
    (an Area, the gaps module's rows, or a dict); English where no Welsh name is known."""
    if isinstance(area, dict):
        return area_display_name(area.get("name", ""), area.get("name_cy", ""))
    return area_display_name(getattr(area, "name", ""), getattr(area, "name_cy", ""))
