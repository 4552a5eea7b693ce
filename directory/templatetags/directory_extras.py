"""Small template helpers for the directory's pages."""

from __future__ import annotations

from django import template

from directory import vocabulary

register = template.Library()


@register.filter
def labels(service, concept: str) -> list[str]:
    """The labels of a service's codes for one vocabulary concept: `service|labels:"abuse_forms"`."""
    choices, fields = vocabulary.MULTI_VALUED[concept]
    return [str(label) for code, label in choices if getattr(service, fields[code])]


@register.filter
def field_labels(service, concept: str) -> list[str]:
    """The model's own (lower-case, plural) names for a service's codes: "professionals", ..."""
    choices, fields = vocabulary.MULTI_VALUED[concept]
    meta = type(service)._meta
    return [str(meta.get_field(fields[code]).verbose_name) for code, _label in choices if getattr(service, fields[code])]
