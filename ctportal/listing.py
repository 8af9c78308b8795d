"""Lists that sort and search, all alike: the column headers that sort (and tell screen
readers which one does), the "Sort by" select that does the same where a phone hides the
header row, and the search box. What a list searches and how its rows are ordered stay
with its selector; this module only reads ?sort= and ?q= and says what the page shows.

A list names its sortable columns once, as (key, label) pairs, and its default order as
a key ("-" first for descending) or "" when the default is no single column:

    COLUMNS = [("date", "Date"), ("venue", "Venue")]
    headers = sort_headers(COLUMNS, request.GET.get("sort"), default="-date")
    form = ListSearchForm(request.GET, columns=COLUMNS, default="-date", label=..., help_text=...)

and its template draws each header with templates/includes/sort_header.html and the form
with templates/includes/list_search.html (or `{% field form.sort %}` beside its filters).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django import forms

Columns = Sequence[tuple[str, str]]


def sort_parse(value: str | None, allowed: Iterable[str], default: str = "") -> tuple[str, bool]:
    """("column", descending) from a ?sort= value such as "-complete"; an empty or unknown
    column gives the default ("-date" is descending; "" is no column)."""
    value = (value or "").strip()
    name = value.removeprefix("-")
    if name not in allowed:
        return default.removeprefix("-"), default.startswith("-")
    return name, value.startswith("-")


@dataclass(frozen=True)
class SortHeader:
    """One sortable column's header."""

    key: str
    label: str
    # The ?sort= its link sets: the current column's link turns the order round.
    sort: str
    # "ascending" or "descending" on the current column; "" elsewhere (ARIA wants the
    # attribute on one header at a time).
    aria_sort: str


def sort_headers(columns: Columns, sort: str | None, *, default: str = "") -> dict[str, SortHeader]:
    """The headers of `columns` while the list is ordered by `sort`, keyed by column."""
    current, descending = sort_parse(sort, [key for key, _ in columns], default)
    headers = {}
    for key, label in columns:
        active = key == current
        headers[key] = SortHeader(
            key=key,
            label=label,
            sort=f"-{key}" if active and not descending else key,
            aria_sort=("descending" if descending else "ascending") if active else "",
        )
    return headers


class SearchInput(forms.TextInput):
    input_type = "search"


class SortForm(forms.Form):
    """The "Sort by" select of a list (a GET form): one option per column and direction,
    the default order first. It always shows the order the list is in: an unknown ?sort=
    shows the default, as the list does."""

    sort = forms.ChoiceField(required=False, label="Sort by")

    def __init__(
        self,
        data=None,
        *,
        columns: Columns,
        default: str = "",
        default_label: str = "",
        choices: Sequence[tuple[str, str]] | None = None,
        **kwargs,
    ):
        """default_label: the words of the default order ("Donor, then reference"); when
        the default is a column they may be left out. choices: a list's own words for its
        orders, in place of "<column>, ascending"/"<column>, descending"."""
        keys = [key for key, _ in columns]
        current, descending = sort_parse((data or {}).get("sort"), keys, default)
        shown = f"-{current}" if descending else current
        if data is not None:
            data = data.copy()
            data["sort"] = "" if shown == default else shown
        super().__init__(data, **kwargs)
        if choices is None:
            choices = [
                (f"{prefix}{key}", f"{label}, {way}")
                for key, label in columns
                for prefix, way in (("", "ascending"), ("-", "descending"))
            ]
        first = dict(choices).get(default, "") if default else ""
        self.fields["sort"].choices = [
            ("", default_label or first or "Default order"),
            *(choice for choice in choices if choice[0] != default),
        ]


class ListSearchForm(SortForm):
    """The search box and "Sort by" select of a list (a GET form)."""

    q = forms.CharField(required=False, max_length=100, strip=True, widget=SearchInput)

    field_order = ["q", "sort"]

    def __init__(self, data=None, *, label: str, help_text: str = "", **kwargs):
        super().__init__(data, **kwargs)
        self.fields["q"].label = label
        self.fields["q"].help_text = help_text

    @property
    def search(self) -> str:
        """The words searched for; "" when the box is empty or its text is refused (its
        error shows under the box)."""
        self.is_valid()
        return self.cleaned_data.get("q", "")
