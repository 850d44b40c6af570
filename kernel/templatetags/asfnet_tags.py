from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.html import format_html

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
    css: str = "",
    numeric: int = 0,
) -> str:
    """A table of `rows`, or the `empty` sentence when there are none.

    `{% data_table items _("Name") _("Saved") caption=_("Items") empty=_("No items yet.") %}…{% enddata_table %}`:
    the block renders the body rows; the tag writes the table around them (caption, one column header per label,
    `actions` names a last column of buttons, for screen readers only; `scroll` wraps the table for narrow
    screens). The caption is for screen readers only unless `caption_visible`. `css` gives the table its classes;
    the last `numeric` columns hold numbers (their headers get the class `num`, as their cells should).
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
            "css": css,
            "numeric_from": len(columns) - numeric if numeric else None,
        },
        request=context.get("request"),
    )


@register.simple_block_tag
def item_list(
    content: str,
    items: Any,
    *,
    empty: str = "",
    intro: str = "",
    ordered: bool = False,
    css: str = "",
    labelledby: str = "",
) -> str:
    """A list of `items`, or the `empty` sentence when there are none.

    `{% item_list events empty=_("No events yet.") css="result-list" %}…{% enditem_list %}`: the block renders the
    list items (`<li>`); the tag writes the list around them (`ordered` for a ranked list, `css`
    its classes, `labelledby` the id of the heading that names it) and, with `intro`, a sentence before it.
    """
    return render_to_string(
        "includes/item_list.html",
        {
            "items": items,
            "body": content,
            "empty": empty,
            "intro": intro,
            "ordered": ordered,
            "css": css,
            "labelledby": labelledby,
        },
    )


@register.simple_tag(takes_context=True)
def page_heading(context: template.Context, lead: str = "") -> str:
    """The page's `<h1>`, in the same words as its `<title>`, and with `lead` the sentence under it.

    `{% page_heading lead=_("What this page is for.") %}` in the content block: the heading is the page's own
    `{% block head_title %}`, rendered again, so the title a screen reader announces and the heading it lands on
    cannot drift apart (WCAG 2.4.2 and 2.4.6). A page whose heading says more than its title writes its `<h1>` itself.
    """
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = block_context.get_block("head_title") if block_context is not None else None
    title = block.nodelist.render(context) if block is not None else ""
    heading = format_html("<h1>{}</h1>", title)
    return format_html('{}\n<p class="lead">{}</p>', heading, lead) if lead else heading


@register.simple_block_tag
def section(content: str, name: str, heading: str, css: str = "") -> str:
    """A section of a page, named by its `<h2>`.

    `{% section "invitations" _("Invitations waiting for you") %}…{% endsection %}` writes
    `<section aria-labelledby="invitations-heading"><h2 id="invitations-heading">…</h2>…</section>`: the id and the
    reference to it come from one name, so a section is never labelled by a heading that is not there. `css` gives the
    section its classes.
    """
    return format_html(
        '<section aria-labelledby="{id}"{css}>\n  <h2 id="{id}">{heading}</h2>\n{content}</section>',
        id=f"{name}-heading",
        css=format_html(' class="{}"', css) if css else "",
        heading=heading,
        content=content,
    )


# Fragments `{% fragment %}` rendered once per process: at most FRAGMENTS keys (all dropped when full).
FRAGMENTS = 512
_fragments: dict[tuple[Any, ...], str] = {}
_ANONYMOUS_ONLY = "anonymous_only"


class FragmentNode(template.Node):
    def __init__(
        self, nodelist: template.NodeList, name: str, vary: list[Any], anonymous_only: bool, origin: str
    ) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary = vary
        self.anonymous_only = anonymous_only
        self.template_name = origin  # Node.origin is the parser's, set after this

    def render(self, context: template.Context) -> str:
        if settings.DEBUG:  # templates edited while the server runs show at once
            return self.nodelist.render(context)
        if self.anonymous_only:
            request = context.get("request")
            user = getattr(request, "user", None)
            if user is None or user.is_authenticated:
                return self.nodelist.render(context)
        key = (self.template_name, self.name, *(value.resolve(context) for value in self.vary))
        found = _fragments.get(key)
        if found is None:
            found = self.nodelist.render(context)
            if len(_fragments) >= FRAGMENTS:
                _fragments.clear()
            _fragments[key] = found
        return found


@register.tag
def fragment(parser: template.base.Parser, token: template.base.Token) -> FragmentNode:
    """`{% fragment "site-nav" LANGUAGE_CODE request.resolver_match.app_name anonymous_only %}…{% endfragment %}`:
    the content rendered once per process for each set of the values named, then the same text again. The values
    must be all the content depends on (the language, the page's app …): it is never rendered again for them.
    `anonymous_only`: kept only for a visitor who is not logged in (whose page differs by nothing else); for
    anyone else, or without a request, rendered every time. Per-request values (the CSRF token, the page's own
    path) stay outside. With DEBUG on, rendered every time."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name")
    anonymous_only = bits[-1] == _ANONYMOUS_ONLY
    vary = [parser.compile_filter(bit) for bit in bits[2 : len(bits) - anonymous_only]]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    origin = str(parser.origin) if parser.origin is not None else ""
    return FragmentNode(nodelist, bits[1], vary, anonymous_only, origin)
