"""The one implementation of sortable, searchable lists (ctportal.listing): how ?sort= is
read, what the column headers link to and announce, and what the "Sort by" select and the
search box show."""

import pytest
from django.http import QueryDict

from ctportal.listing import ListSearchForm, SortForm, sort_headers, sort_parse

COLUMNS = [("date", "Date"), ("venue", "Venue")]


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("venue", "-date", ("venue", False)),
        ("-venue", "-date", ("venue", True)),
        (" -date ", "", ("date", True)),
        ("", "-date", ("date", True)),
        ("password", "-date", ("date", True)),
        ("-password", "date", ("date", False)),
        (None, "", ("", False)),
    ],
)
def test_sort_parse_reads_a_column_and_its_direction_or_gives_the_default(value, default, expected):
    assert sort_parse(value, ["date", "venue"], default) == expected


def test_the_current_columns_header_turns_the_order_round_and_alone_carries_aria_sort():
    headers = sort_headers(COLUMNS, "venue", default="-date")

    assert [(h.key, h.label, h.sort, h.aria_sort) for h in headers.values()] == [
        ("date", "Date", "date", ""),
        ("venue", "Venue", "-venue", "ascending"),
    ]
    descending = sort_headers(COLUMNS, "-venue", default="-date")["venue"]
    assert (descending.sort, descending.aria_sort) == ("venue", "descending")


def test_without_a_sort_the_headers_show_the_default_order():
    assert sort_headers(COLUMNS, "", default="-date")["date"].aria_sort == "descending"
    assert sort_headers(COLUMNS, "nonsense", default="-date")["date"].sort == "date"
    # A default that is no single column marks none.
    assert [h.aria_sort for h in sort_headers(COLUMNS, None).values()] == ["", ""]


def test_the_sort_select_offers_the_default_first_and_each_column_both_ways():
    form = SortForm(QueryDict(""), columns=COLUMNS, default="-date")

    assert form.fields["sort"].choices == [
        ("", "Date, descending"),
        ("date", "Date, ascending"),
        ("venue", "Venue, ascending"),
        ("-venue", "Venue, descending"),
    ]
    named = SortForm(None, columns=COLUMNS, default_label="Venue, then date")
    assert named.fields["sort"].choices[0] == ("", "Venue, then date")
    assert len(named.fields["sort"].choices) == 5


@pytest.mark.parametrize(
    ("query", "shown"),
    [("sort=-venue", "-venue"), ("sort=-date", ""), ("sort=password", ""), ("", "")],
)
def test_the_sort_select_shows_the_order_the_list_is_in(query, shown):
    form = SortForm(QueryDict(query), columns=COLUMNS, default="-date")

    assert form.is_valid()
    assert form.cleaned_data["sort"] == shown
    assert form["sort"].value() == shown


def test_a_list_may_name_its_orders_in_its_own_words():
    form = SortForm(
        QueryDict("sort=date"),
        columns=COLUMNS,
        default="-date",
        default_label="Newest first",
        choices=[("date", "Oldest first"), ("venue", "Venue")],
    )

    assert form.fields["sort"].choices == [
        ("", "Newest first"),
        ("date", "Oldest first"),
        ("venue", "Venue"),
    ]
    assert form["sort"].value() == "date"


def test_the_search_box_gives_its_words_and_refuses_an_overlong_text_on_its_field():
    form = ListSearchForm(
        QueryDict("q=+lahore+court+&sort=-venue"),
        columns=COLUMNS,
        label="Search meetings",
        help_text="Part of the venue.",
    )
    assert form.search == "lahore court"
    assert list(form.fields) == ["q", "sort"]
    assert (form.fields["q"].label, form.fields["q"].help_text) == (
        "Search meetings",
        "Part of the venue.",
    )

    overlong = ListSearchForm(QueryDict(f"q={'x' * 101}"), columns=COLUMNS, label="Search")
    assert overlong.search == ""
    assert overlong.errors["q"] == ["Ensure this value has at most 100 characters (it has 101)."]
