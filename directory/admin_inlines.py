"""Tabular inlines whose fields have accessible names.

Django's tabular inline names its columns in <th>s and renders each row's inputs with no <label>,
so a screen reader announces a bare "edit text" or "checkbox" (axe: label, label-title-only) when
a field is reached with Tab rather than by moving through the table's cells. Each visible field
gets its column's label as aria-label; the "Delete" boxes also name their row, since a page holds
one per row, by the row's object (for a many-to-many's rows, whose own name says both ends,
"… takes referrals from Powys" (directory/models.py), by the object the row links to: "Powys").
A linked record's box (an autocomplete's select2 draws its own, named from the select by
servicemap/static/js/admin-names.js) is wrapped in Django's RelatedFieldWidgetWrapper,
whose `attrs` are the form class's widget's rather than this form's copy: the name goes on the copy.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.forms.formsets import DELETION_FIELD_NAME


def _row_name(form) -> str:
    instance = form.instance
    if type(instance).__str__ is not models.Model.__str__ and not instance._meta.auto_created:
        return str(instance)
    for name, field in form.fields.items():
        if field.widget.is_hidden:  # the link to the page's own object
            continue
        linked = getattr(instance, name, None)
        if isinstance(linked, models.Model):
            return str(linked)
    return str(instance)


class _FieldsNamedByTheirColumn:
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        saved = form.instance.pk is not None
        for name, field in form.fields.items():
            if field.widget.is_hidden:
                continue
            label = str(field.label or name)
            if name == DELETION_FIELD_NAME and saved:
                label = f"{label}: {_row_name(form)}"
            widget = getattr(field.widget, "widget", field.widget)  # inside a RelatedFieldWidgetWrapper
            widget.attrs.setdefault("aria-label", label)


class LabelledTabularInline(admin.TabularInline):
    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (_FieldsNamedByTheirColumn, formset), {})
