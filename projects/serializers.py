"""What the API shows of projects, money rows and results. Every relation read here comes
from the endpoint's queryset (select_related or prefetch_related): no serializer queries."""

from decimal import Decimal

from django.db.models.manager import BaseManager
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ctportal.api.fields import IdField
from ctportal.api.reading import QuickRead
from ctportal.money import Currency
from organisations import access
from projects.iati import reported_iati_identifier
from projects.models import (
    BudgetCategory,
    BudgetLine,
    CountryProgramme,
    ExchangeRate,
    Expenditure,
    Indicator,
    NapArea,
    Outcome,
    Output,
    Project,
    Province,
    SubProgramme,
)
from projects.selectors_rows import project_relations_attach

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


class ParticipatingOrgSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["funding", "implementing"])
    organisation = serializers.IntegerField(help_text="Its id at /api/v1/organisations/.")
    name = serializers.CharField()
    iati_identifier = serializers.CharField(help_text="Empty where none is verified.")
    usd_total = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text="Funders: USD allocated."
    )


def _org_row(org, role: str, usd_total) -> dict:
    return {
        "role": role,
        "organisation": org.pk,
        "name": org.name,
        "iati_identifier": org.iati_identifier,
        "usd_total": usd_total,
    }


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "updated_at"]


class NapAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = NapArea
        fields = ["id", "version", "number", "title", "updated_at"]


class ProjectListSerializer(serializers.ListSerializer):
    """Projects with their relations read for all of them at once (four queries)."""

    def to_representation(self, data):
        projects = list(data.all() if isinstance(data, BaseManager) else data)
        project_relations_attach(projects=projects)
        return super().to_representation(projects)


class ProjectSerializer(QuickRead, serializers.ModelSerializer):
    sub_programme_code = serializers.CharField(source="sub_programme.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    provinces = serializers.SerializerMethodField()
    # Each project's relations as plain values (projects.selectors_rows), read for a
    # whole list by ProjectListSerializer, for one project by to_representation.
    counterparts = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        source="relations.counterparts",
        pk_field=serializers.IntegerField(),
    )
    nap_areas = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, source="relations.nap_areas", pk_field=serializers.IntegerField()
    )
    iati_identifier = serializers.SerializerMethodField()
    participating_orgs = serializers.SerializerMethodField()
    other_funding_usd = serializers.SerializerMethodField()

    class Meta:
        model = Project
        list_serializer_class = ProjectListSerializer
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
            "iati_identifier",
            "participating_orgs",
            "other_funding_usd",
            "updated_at",
        ]

    def to_representation(self, instance):
        if not hasattr(instance, "relations"):  # one project, not a list's row
            project_relations_attach(projects=[instance])
        return super().to_representation(instance)

    def get_provinces(self, project) -> list[str]:
        """ISO 3166-2:PK codes of the provinces the project works in (/api/v1/provinces/)."""
        return list(project.relations.province_codes)

    def get_iati_identifier(self, project) -> str:
        """The IATI activity identifier UNODC reports the project under."""
        return reported_iati_identifier(project.code)

    @cached_property
    def _viewer(self) -> tuple[bool, object]:
        """Whether the user sees money, and their donor (None for others): asked once
        per serializer, not per row."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return access.can_see_money(user), access.donor_of(user)

    @extend_schema_field(ParticipatingOrgSerializer(many=True))
    def get_participating_orgs(self, project) -> list[dict]:
        """Funders the user may see money of (the funding role, with the USD they
        allocated), then the counterparts (the implementing role). A donor viewer sees only
        its own funding; roles that never see money see no funder."""
        sees_money, own = self._viewer
        relations = project.relations
        rows: dict[int, dict] = {}
        if sees_money:
            for funding in relations.funding:
                donor = funding.donor
                if own is not None and donor.pk != own.pk:
                    continue
                row = rows.setdefault(donor.pk, _org_row(donor, "funding", Decimal("0.00")))
                row["usd_total"] += funding.amount_usd
        funders = sorted(rows.values(), key=lambda row: row["name"])
        implementers = [_org_row(org, "implementing", None) for org in relations.counterparts]
        return [
            {**row, "usd_total": None if row["usd_total"] is None else str(row["usd_total"])}
            for row in funders + implementers
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True))
    def get_other_funding_usd(self, project) -> str | None:
        """For a donor viewer, every other donor's allocations as one USD figure."""
        sees_money, own = self._viewer
        if own is None or not sees_money:
            return None
        other = sum(
            (f.amount_usd for f in project.relations.funding if f.donor.pk != own.pk),
            Decimal("0.00"),
        )
        return str(other)


class BudgetLineSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)

    class Meta:
        model = BudgetLine
        fields = ["id", "project", "project_code", "category", "year", "amount", "currency"]


class ExpenditureSerializer(QuickRead, serializers.ModelSerializer):
    project_code = serializers.CharField(read_only=True)  # annotated by the endpoint

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
