"""Template tags for the bilingual site.

    {% load bilingual %}
    <a href="{% url_in_language 'cy' %}">Cymraeg</a>          the current page and query in Welsh
    {% translated_field service "description" %}              block text, with a note on fallback
    {% translated_field service "name" inline=True %}         inline text, with a short note
    <h1 {% lang_attr service "name" %}>{{ service.name }}</h1>  lang="en" when Welsh is missing
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from directory.bilingual import translated_text, url_in_language

register = template.Library()


@register.simple_tag(takes_context=True, name="url_in_language")
def url_in_language_tag(context: template.Context, language: str) -> str:
    request = context.get("request")
    full_path = request.get_full_path() if request is not None else "/"
    return url_in_language(full_path, language)


@register.inclusion_tag("includes/translated_field.html")
def translated_field(obj: object, field: str, inline: bool = False) -> dict:
    return {"translated": translated_text(obj, field), "inline": inline}


@register.simple_tag
def lang_attr(obj: object, field: str) -> str:
    """` lang="en"` where the active language's text is missing and English is shown instead."""
    translated = translated_text(obj, field)
    if translated.is_fallback:
        return format_html(' lang="{}"', translated.lang)
    return ""
