from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ mapping|get_item:key }}` — a dictionary look-up with a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.inclusion_tag("includes/table_head.html")
def table_head(*columns: str) -> dict[str, Any]:
    """`{% table_head _("Name") _("Saved") %}`: a table's header row, one column header per (translated) label."""
    return {"columns": columns}
