"""The site's shared page parts, each in one place: the form and field templates every `{{ form }}` is drawn
with (kernel.forms.FormRenderer), the page links of a list (kernel.pagination), a table's header row
(`{% table_head %}`), a table or the sentence that says it is empty (`{% data_table %}`), a list likewise
(`{% item_list %}`), a page's heading (`{% page_heading %}`) and a labelled section (`{% section %}`), and the layout of
the error pages."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Engine, Template
from django.test import RequestFactory
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kernel.pagination import paginate, query_without_page


class _Form(forms.Form):
    name = forms.CharField(label="Name", help_text="As on the sign")
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def test_a_form_draws_its_error_summary_linked_to_each_field():
    with translation.override("en"):
        html = str(_Form(data={}))
    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#id_name">Name: This field is required.</a>' in html
    # A radio group has no single input to label: the link goes to the group.
    assert '<a href="#id_kind">Kind: This field is required.</a>' in html


def test_a_field_keeps_label_help_text_and_errors_tied_to_its_input():
    html = str(_Form(data={})["name"].as_field_group())
    assert '<div class="field field-error">' in html
    assert '<label for="id_name">' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html


def test_a_valid_field_is_not_marked_in_error():
    html = str(_Form(data={"name": "x", "kind": "a"})["name"].as_field_group())
    assert '<div class="field">' in html
    assert "error-summary" not in str(_Form(data={"name": "x", "kind": "a"}))


@given(params=st.lists(st.tuples(st.sampled_from(["q", "sort", "kind", "page", "x"]), st.text(max_size=5)), max_size=6))
def test_page_links_keep_every_parameter_but_the_page(params):
    from urllib.parse import parse_qsl, urlencode

    request = RequestFactory().get("/?" + urlencode(params))
    kept = parse_qsl(query_without_page(request), keep_blank_values=True)
    # QueryDict groups a repeated name; the values of each name keep their order.
    expected = [(k, v) for k, v in parse_qsl(urlencode(params), keep_blank_values=True) if k != "page"]
    assert sorted(kept, key=lambda kv: kv[0]) == sorted(expected, key=lambda kv: kv[0])
    only = parse_qsl(query_without_page(request, ("q",)), keep_blank_values=True)
    assert all(k == "q" for k, _ in only)


def test_a_page_past_the_end_is_the_last_and_its_links_keep_the_filters():
    page = paginate(RequestFactory().get("/?q=bo&page=99"), list(range(30)), 25)
    assert page.number == 2
    with translation.override("en"):
        html = Template('{% include "includes/pagination.html" %}').render(Context({"page": page}))
    assert 'href="?q=bo&amp;page=1" rel="prev"' in html
    assert 'aria-label="Pages"' in html


def test_table_head_writes_one_column_header_per_label():
    with translation.override("en"):
        html = Template('{% load asfnet_tags %}{% table_head _("Name") "Saved" %}').render(Context())
    assert html.count('<th scope="col">') == 2
    assert '<th scope="col">Name</th>' in html


_TABLE = (
    '{% load asfnet_tags %}{% data_table rows _("Name") caption=_("Things") empty=_("Nothing yet.") '
    'actions=_("Actions") scroll=True %}{% for r in rows %}<tr><th scope="row">{{ r }}</th></tr>{% endfor %}'
    "{% enddata_table %}"
)


def test_data_table_draws_caption_headers_and_rows():
    with translation.override("en"):
        html = Template(_TABLE).render(Context({"rows": ["<b>Ada</b>", "Bo"]}))
    assert '<div class="table-scroll">' in html
    assert '<caption class="visually-hidden">Things</caption>' in html
    assert '<th scope="col">Name</th><th scope="col"><span class="visually-hidden">Actions</span></th>' in html
    assert '<th scope="row">&lt;b&gt;Ada&lt;/b&gt;</th>' in html  # the rows stay escaped
    assert "Nothing yet." not in html


def test_data_table_marks_the_headers_of_its_number_columns():
    template = (
        '{% load asfnet_tags %}{% data_table rows _("Type") _("Open") _("Total") caption=_("Things") '
        'css="report-table" numeric=2 caption_visible=True %}<tr></tr>{% enddata_table %}'
    )
    with translation.override("en"):
        html = Template(template).render(Context({"rows": [1]}))
    assert '<table class="report-table">' in html
    assert "<caption>Things</caption>" in html
    numbers = '<th scope="col" class="num">Open</th><th scope="col" class="num">Total</th>'
    assert '<th scope="col">Type</th>' + numbers in html


def test_data_table_without_rows_says_so_and_draws_no_table():
    with translation.override("en"):
        html = Template(_TABLE).render(Context({"rows": []}))
    assert "<table" not in html
    assert "<p>Nothing yet.</p>" in html


_LIST = (
    '{% load asfnet_tags %}{% item_list items ordered=True css="result-list" labelledby="things-heading" '
    'intro=_("Best first:") empty=_("Nothing yet.") %}{% for i in items %}<li>{{ i }}</li>{% endfor %}'
    "{% enditem_list %}"
)


def test_item_list_draws_the_list_named_by_its_heading():
    with translation.override("en"):
        html = Template(_LIST).render(Context({"items": ["<b>Ada</b>", "Bo"]}))
    assert '<p>Best first:</p>\n<ol class="result-list" aria-labelledby="things-heading">' in html
    assert "<li>&lt;b&gt;Ada&lt;/b&gt;</li><li>Bo</li>" in html  # the items stay escaped
    assert html.rstrip().endswith("</ol>")
    assert "Nothing yet." not in html


def test_item_list_without_items_says_so_and_draws_no_list():
    with translation.override("en"):
        html = Template(_LIST).render(Context({"items": []}))
    assert "<ol" not in html
    assert "Best first:" not in html
    assert "<p>Nothing yet.</p>" in html


def _page(child: str) -> str:
    """`child` rendered as a page extending a two-block base, as every page extends base.html."""
    engine = Engine(
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    "base.html": (
                        "<title>{% block head_title %}{% endblock %}</title>|{% block content %}{% endblock %}"
                    ),
                    "child.html": child,
                },
            )
        ],
        builtins=["kernel.templatetags.asfnet_tags"],
    )
    return engine.get_template("child.html").render(Context({"name": "Björk & <Co>"}))


def test_page_heading_says_what_the_title_says():
    html = _page(
        '{% extends "base.html" %}{% block head_title %}Members of {{ name }}{% endblock %}'
        '{% block content %}{% page_heading lead="Who can edit." %}{% endblock %}'
    )
    title, content = html.split("|")
    assert title == "<title>Members of Björk &amp; &lt;Co&gt;</title>"
    assert content == '<h1>Members of Björk &amp; &lt;Co&gt;</h1>\n<p class="lead">Who can edit.</p>'


def test_page_heading_without_a_lead_is_the_heading_alone():
    html = _page(
        '{% extends "base.html" %}{% block head_title %}Events{% endblock %}'
        "{% block content %}{% page_heading %}{% endblock %}"
    )
    assert html.split("|")[1] == "<h1>Events</h1>"


def test_section_is_labelled_by_its_own_heading():
    html = Template(
        '{% load asfnet_tags %}{% section "offers" heading css="panel" %}<p>Body</p>{% endsection %}'
    ).render(Context({"heading": "What & why"}))
    assert html == (
        '<section aria-labelledby="offers-heading" class="panel">\n  <h2 id="offers-heading">What &amp; why</h2>\n'
        "<p>Body</p></section>"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("view", "heading"),
    [("error_400", "Bad request"), ("error_403", "Not allowed"), ("error_404", "Page not found")],
)
def test_error_pages_share_one_layout_with_a_way_on(view, heading):
    from asfnet import views

    request = RequestFactory().get("/nowhere")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("en"):
        html = getattr(views, view)(request).content.decode()
    assert f"<title>{heading} – asfnet</title>" in html
    assert f"<h1>{heading}</h1>" in html
    assert 'href="/">Go to the start page</a>' in html
