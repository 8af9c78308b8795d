"""What the API shows of projects, money rows and results. Every relation read here comes
from the endpoint's queryset (select_related or prefetch_related): no serializer queries."""

from rest_framework import serializers

from ctportal.api.fields import IdField
from ctportal.money import Currency
from projects.models import (
    BudgetCategory,
    BudgetLine,
    CountryProgramme,
    ExchangeRate,
    Expenditure,
    Indicator,
    Outcome,
    Output,
    Project,
    SubProgramme,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


class ExchangeRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "month", "usd_per_unit", "source"]


class CountryProgrammeSerializer(serializers.ModelSerializer):
    sub_programmes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CountryProgramme
        fields = ["id", "code", "title", "start_date", "end_date", "sub_programmes"]


class SubProgrammeSerializer(serializers.ModelSerializer):
    programme_code = serializers.CharField(source="programme.code", read_only=True)

    class Meta:
        model = SubProgramme
        fields = ["id", "programme", "programme_code", "code", "title"]


class ProjectSerializer(serializers.ModelSerializer):
    sub_programme_code = serializers.CharField(source="sub_programme.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    provinces = serializers.SerializerMethodField()
    counterparts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    nap_areas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "title",
            "description",
            "sub_programme",
            "sub_programme_code",
            "start_date",
            "end_date",
            "status",
            "status_label",
            "provinces",
            "counterparts",
            "dac_sector",
            "nap_areas",
        ]

    def get_provinces(self, project) -> list[str]:
        """ISO 3166-2:PK codes of the provinces the project works in."""
        return [province.code for province in project.provinces.all()]


class BudgetLineSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)

    class Meta:
        model = BudgetLine
        fields = ["id", "project", "project_code", "category", "year", "amount", "currency"]


class ExpenditureSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)

    class Meta:
        model = Expenditure
        fields = [
            "id",
            "project",
            "project_code",
            "category",
            "spent_on",
            "amount",
            "currency",
            "usd_rate",
            "amount_usd",
            "description",
        ]


class ExpenditureInputSerializer(serializers.Serializer):
    """What a programme manager records; the USD rate and figure are the service's to set."""

    project = IdField(queryset=Project.objects.all())
    category = serializers.ChoiceField(choices=BudgetCategory.choices)
    spent_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.USD)
    description = serializers.CharField(max_length=250, allow_blank=True, default="")

    def __init__(self, *args, project_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project_queryset is not None:
            self.fields["project"].queryset = project_queryset


class OutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outcome
        fields = ["id", "sub_programme", "project", "code", "title"]


class OutputSerializer(serializers.ModelSerializer):
    sub_programme = serializers.IntegerField(source="outcome.sub_programme_id", read_only=True)

    class Meta:
        model = Output
        fields = ["id", "outcome", "sub_programme", "code", "title"]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "id",
            "output",
            "code",
            "title",
            "unit",
            "baseline",
            "target",
            "by_sex",
            "by_province",
        ]
