"""Forms of progress reporting and review. They check shape (numbers, ranges, choices); the
rules (who, when, completed means 100%, which indicators) stay in workplans.services."""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms

from ctportal.exceptions import DomainError
from projects.models import Indicator, Province
from workplans.models import AchievedValue, Activity, ProgressUpdate
from workplans.services.targets import count_whole_require

VALUE_PREFIX = "value__"
_ALL = "all"


@dataclass(frozen=True)
class ValueCell:
    """One input of the achieved values: an indicator, a sex ("" for all) and a province
    (None for all)."""

    indicator: Indicator
    sex: str
    province: Province | None

    @property
    def name(self) -> str:
        province = self.province.pk if self.province is not None else _ALL
        return f"{VALUE_PREFIX}{self.indicator.pk}__{self.sex or _ALL}__{province}"

    @property
    def label(self) -> str:
        parts = [AchievedValue.Sex(self.sex).label.lower()] if self.sex else []
        if self.province is not None:
            parts.append(self.province.name)
        detail = f" — {', '.join(parts)}" if parts else ""
        return f"{self.indicator.code} {self.indicator.title}{detail}"


@dataclass
class IndicatorBlock:
    """The inputs of one indicator laid out as a table: a row per province (or one row),
    a column per sex (or one column)."""

    indicator: Indicator
    columns: list[str]
    rows: list[tuple[Province | None, list[ValueCell]]]
    # What the activity plans on this indicator in the quarter reported on, if anything.
    target: Decimal | None = None
    # Values stored in a combination the table does not offer (entered elsewhere).
    extra: list[ValueCell] = field(default_factory=list)

    @property
    def cells(self) -> list[ValueCell]:
        return [cell for _, cells in self.rows for cell in cells] + self.extra

    @property
    def column_labels(self) -> list[str]:
        return [AchievedValue.Sex(sex).label if sex else "Value" for sex in self.columns]


def carried_indicators(activity: Activity) -> list[Indicator]:
    """The indicators an activity carries through its targets (prefetched), by code."""
    found = {t.indicator_id: t.indicator for t in activity.targets.all()}
    return sorted(found.values(), key=lambda i: i.code)


def value_blocks(
    activity: Activity, update: ProgressUpdate | None, quarter: int | None = None
) -> list[IndicatorBlock]:
    """One input per combination each indicator is disaggregated by: female and male when
    `by_sex`, each of the activity's provinces when `by_province`. A value already stored
    in another combination (entered elsewhere) keeps an input of its own, so saving the
    form never drops it."""
    provinces = list(activity.provinces.all())
    stored = list(update.values.all()) if update is not None else []
    targets = {t.indicator_id: t.value for t in activity.targets.all() if t.quarter == quarter}
    blocks = []
    for indicator in carried_indicators(activity):
        sexes = ["female", "male"] if indicator.by_sex else [""]
        places = provinces if indicator.by_province and provinces else [None]
        rows = [(p, [ValueCell(indicator, s, p) for s in sexes]) for p in places]
        block = IndicatorBlock(
            indicator=indicator, columns=sexes, rows=rows, target=targets.get(indicator.pk)
        )
        known = {(c.sex, c.province.pk if c.province else None) for _, cs in rows for c in cs}
        for value in stored:
            key = (value.sex, value.province_id)
            if value.indicator_id == indicator.pk and key not in known:
                known.add(key)
                block.extra.append(ValueCell(indicator, value.sex, value.province))
        blocks.append(block)
    return blocks


def _plain(number: Decimal) -> str:
    """12.50 -> "12.5", 10.00 -> "10" (never "1E+1")."""
    return format(number.normalize(), "f") if number else "0"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content in evidence_attach."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProgressForm(forms.Form):
    """One activity's update for one quarter. Achieved-value inputs are added per
    combination (see value_blocks); `values` only carries errors about the values as a
    whole (an indicator the activity does not carry, say) and is never rendered."""

    status = forms.ChoiceField(
        choices=[("", "Choose a status")] + ProgressUpdate.Status.choices, label="Status"
    )
    percent_complete = forms.IntegerField(
        min_value=0,
        max_value=100,
        label="Percent complete",
        help_text="A whole number from 0 to 100; a completed activity is 100% complete.",
        error_messages={
            "min_value": "The percentage complete must be from 0 to 100.",
            "max_value": "The percentage complete must be from 0 to 100.",
            "invalid": "Enter the percentage complete as a whole number from 0 to 100.",
        },
    )
    narrative = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Narrative",
        help_text="What was done this quarter, where and with whom.",
    )
    challenges = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Challenges"
    )
    evidence = MultipleFileField(
        required=False,
        label="Add evidence files",
        help_text="PDF, PNG, JPEG, Word (DOCX) or Excel (XLSX), at most 10 MB each.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    values = forms.Field(required=False, label="Achieved values", widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        activity: Activity,
        update: ProgressUpdate | None,
        quarter: int | None = None,
        **kwargs,
    ):
        if not kwargs.get("data") and not args:
            kwargs.setdefault("initial", self._initial(update))
        super().__init__(*args, **kwargs)
        self.activity = activity
        self.blocks = value_blocks(activity, update, quarter)
        self.cells: dict[str, ValueCell] = {}
        for block in self.blocks:
            for cell in block.cells:
                self.cells[cell.name] = cell
                self.fields[cell.name] = forms.DecimalField(
                    required=False,
                    min_value=0,
                    max_digits=14,
                    decimal_places=2,
                    label=cell.label,
                    error_messages={
                        "min_value": "An achieved value cannot be negative.",
                        "invalid": "Enter a number.",
                        "max_digits": "Enter a number of at most 12 digits before the point.",
                        "max_decimal_places": "Enter at most 2 decimal places.",
                        "max_whole_digits": "Enter at most 12 digits before the point.",
                    },
                )

    @staticmethod
    def _initial(update: ProgressUpdate | None) -> dict:
        if update is None:
            return {"revision": 0}
        initial = {
            "status": update.status,
            "percent_complete": update.percent_complete,
            "narrative": update.narrative,
            "challenges": update.challenges,
            "revision": update.revision,
        }
        for value in update.values.all():
            province = value.province_id or _ALL
            name = f"{VALUE_PREFIX}{value.indicator_id}__{value.sex or _ALL}__{province}"
            initial[name] = _plain(value.value)
        return initial

    def value_layout(self) -> list[dict]:
        """The value inputs as bound fields, indicator by indicator, for the template."""
        return [
            {
                "block": block,
                "rows": [(p, [self[c.name] for c in cells]) for p, cells in block.rows],
                "extra": [self[c.name] for c in block.extra],
            }
            for block in self.blocks
        ]

    def clean(self):
        cleaned = super().clean()
        # The service refuses a fraction of a count too; checked here first so that the
        # error stands beside the box it concerns.
        for name, cell in self.cells.items():
            if cleaned.get(name) is None:
                continue
            try:
                count_whole_require(
                    indicator=cell.indicator,
                    number=cleaned[name],
                    what="the value achieved",
                    field=name,
                )
            except DomainError as error:
                self.add_error(name, error.messages)
        self.extra_values = self._unknown_values()
        return cleaned

    def _unknown_values(self) -> list[tuple]:
        """Value inputs the page did not offer (a tampered or outdated form): passed on to
        the service, which refuses an indicator the activity does not carry."""
        extra = []
        wanted: dict[str, tuple[int, str, str | None, str]] = {}
        for key in self.data:
            if not key.startswith(VALUE_PREFIX) or key in self.fields:
                continue
            raw = (self.data.get(key) or "").strip()
            if not raw:
                continue
            parts = key[len(VALUE_PREFIX) :].split("__")
            if len(parts) != 3 or not parts[0].isdigit():
                self.add_error("values", f"{key!r} is not an achieved value of this form.")
                continue
            indicator_id, sex, province = parts
            wanted[key] = (
                int(indicator_id),
                "" if sex == _ALL else sex,
                None if province == _ALL else province,
                raw,
            )
        if not wanted:
            return extra
        indicators = Indicator.objects.in_bulk({w[0] for w in wanted.values()})
        provinces = Province.objects.in_bulk({w[2] for w in wanted.values() if w[2]})
        for key, (indicator_id, sex, province, raw) in wanted.items():
            indicator = indicators.get(indicator_id)
            if indicator is None or (province and province not in provinces):
                self.add_error("values", f"{key!r} is not an achieved value of this form.")
                continue
            extra.append((indicator, sex, provinces.get(province) if province else None, raw))
        return extra

    def achieved_values(self) -> list[tuple]:
        """(indicator, sex, province, value) of every filled input, for the service."""
        values = [
            (cell.indicator, cell.sex, cell.province, self.cleaned_data[name])
            for name, cell in self.cells.items()
            if self.cleaned_data.get(name) is not None
        ]
        return values + list(getattr(self, "extra_values", []))

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        revision = data.get("revision")
        return {
            "status": data["status"],
            "percent_complete": data["percent_complete"],
            "narrative": data.get("narrative", ""),
            "challenges": data.get("challenges", ""),
            "values": self.achieved_values(),
            # 0: the form was opened before any update existed; one saved since is newer.
            "expected_revision": revision if revision is not None else 0,
        }


class ReviewForm(forms.Form):
    """A manager's decision on a submitted update; the comment is what the counterpart reads
    when it is returned (the service requires it then)."""

    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Comment to the counterpart",
        help_text="Required to return the update: say what should change.",
    )
