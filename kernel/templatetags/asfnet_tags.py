from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

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


@register.simple_block_tag(takes_context=True)
def data_table(
    context: template.Context,
    content: str,
    rows: Any,
    *columns: str,
    caption: str,
    empty: str = "",
    actions: str = "",
    caption_visible: bool = False,
    scroll: bool = False,
) -> str:
    """A table of `rows`, or the `empty` sentence when there are none.

    `{% data_table items _("Name") _("Saved") caption=_("Items") empty=_("No items yet.") %}…{% enddata_table %}`:
    the block renders the body rows; the tag writes the table around them (caption, one column header per label,
    `actions` names a last column of buttons, for screen readers only; `scroll` wraps the table for narrow
    screens). The caption is for screen readers only unless `caption_visible`.
    """
    return render_to_string(
        "includes/data_table.html",
        {
            "rows": rows,
            "body": content,
            "columns": columns,
            "caption": caption,
            "empty": empty,
            "actions": actions,
            "caption_visible": caption_visible,
            "scroll": scroll,
        },
        request=context.get("request"),
    )
