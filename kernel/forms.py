"""How every form of the site is drawn: the project's form and field templates, set once in
settings.FORM_RENDERER, so that `{{ form }}` and `{{ field.as_field_group }}` give the same accessible markup
on every page (an error summary linked to the fields; each field with its label, help text, errors and
aria-describedby, as Django's own field template writes them)."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Django's renderer through the project's template engine, with the project's form and field layout."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
