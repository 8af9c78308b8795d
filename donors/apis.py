"""API of donors' money: agreements, allocations, tranches and the funding summary that
feeds the dashboard. Agreement-level money is for managers, administrators and each
agreement's own donor (organisations.access); tranches are written through
donors.services, as on the pages."""

from dataclasses import replace

from django import forms
from django.db.models import F, QuerySet
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ctportal import figures
from ctportal.api.filters import IdChoiceField
from ctportal.api.plain import PlainData
from ctportal.api.views import AggregateView, PortalViewSet
from donors import selectors_funding as funding
from donors import services
from donors.api_filters import AgreementFilter, AllocationFilter, DisbursementFilter
from donors.filters import FundingPeriodForm
from donors.models import Allocation, FundingAgreement
from donors.selectors import (
    agreement_list,
    agreements_visible_to,
    disbursement_list,
    of_visible_agreements,
)
from donors.serializers import (
    AgreementSerializer,
    AllocationSerializer,
    DisbursementInputSerializer,
    DisbursementReasonSerializer,
    DisbursementReceiveSerializer,
    DisbursementSerializer,
    DisbursementUpdateSerializer,
    FundingRowSerializer,
    FundingSummarySerializer,
)
from organisations import access
from organisations.api_permissions import HasRole, ManagesMoneyToWrite, SeesMoney
from projects.models import Project, Province, SubProgramme
from projects.selectors import project_list_visible_to

MONEY_PERMISSIONS = [HasRole, SeesMoney]
# What the tranche and allocation lists show of the agreement, as columns of the row
# rather than an agreement object per row (their serializers read these names).
AGREEMENT_COLUMNS = {
    "agreement_reference": F("agreement__reference"),
    "agreement_donor": F("agreement__donor_id"),
    "agreement_currency": F("agreement__currency"),
}


def _visible_agreements(user) -> QuerySet:
    return agreements_visible_to(user)


class AgreementViewSet(PortalViewSet):
    """Funding agreements with their allocated, planned and received totals."""

    permission_classes = MONEY_PERMISSIONS
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    ordering_fields = ["reference", "signed_on", "start_date", "end_date", "amount_usd"]
    search_fields = ["reference", "title"]
    csv_filename = "agreements"

    def get_queryset(self):
        # The rows show the donor's short name and the two organisations' ids: a column,
        # not the donor and implementer read whole (two more model instances a row, their
        # timestamps parsed) for the serializer to pick one name from.
        agreements = agreement_list(user=self.request.user).select_related(None)
        return agreements.annotate(donor_short_name=F("donor__short_name")).order_by(
            "donor__short_name", "reference"
        )


class AllocationViewSet(PortalViewSet):
    """The part of each agreement that funds each project."""

    permission_classes = MONEY_PERMISSIONS
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilter
    ordering_fields = ["amount", "amount_usd"]
    csv_filename = "allocations"

    def get_queryset(self):
        return (
            of_visible_agreements(self.request.user, Allocation.objects.all())
            .annotate(**AGREEMENT_COLUMNS, project_code=F("project__code"))
            .order_by("agreement__reference", "project__code")
        )


@extend_schema_view(
    create=extend_schema(
        request=DisbursementInputSerializer, responses={201: DisbursementSerializer}
    ),
    partial_update=extend_schema(
        request=DisbursementUpdateSerializer, responses={200: DisbursementSerializer}
    ),
    receive=extend_schema(
        request=DisbursementReceiveSerializer, responses={200: DisbursementSerializer}
    ),
    destroy=extend_schema(
        request=DisbursementReasonSerializer,
        parameters=[
            OpenApiParameter(
                "reason",
                str,
                description="Why (or send it in the body); required for a received tranche.",
            )
        ],
        responses={204: None},
    ),
)
class DisbursementViewSet(PortalViewSet):
    """Tranches: planned date and amount and, once received, the actual ones, each with its
    USD figure and whether it is overdue. Programme managers record them; received funds
    never pass the commitment (a 400 naming received_amount)."""

    permission_classes = [*MONEY_PERMISSIONS, ManagesMoneyToWrite]
    serializer_class = DisbursementSerializer
    filterset_class = DisbursementFilter
    ordering_fields = ["planned_date", "received_date", "planned_amount_usd"]
    search_fields = ["notes", "agreement__reference"]
    csv_filename = "disbursements"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        tranches = disbursement_list(user=self.request.user).select_related(None)
        return tranches.annotate(**AGREEMENT_COLUMNS).order_by(
            "agreement__reference", "planned_date", "id"
        )

    def create(self, request):
        serializer = DisbursementInputSerializer(
            data=request.data, agreement_queryset=_visible_agreements(request.user)
        )
        serializer.is_valid(raise_exception=True)
        disbursement = services.disbursement_create(user=request.user, **serializer.validated_data)
        return Response(self.read_back(disbursement), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        disbursement = self.get_object()
        serializer = DisbursementUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        reason = fields.pop("reason", "")
        disbursement = services.disbursement_update(
            disbursement=disbursement, user=request.user, reason=reason, **fields
        )
        return Response(self.read_back(disbursement))

    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Record that a planned tranche was received (once; correct it with PATCH)."""
        disbursement = self.get_object()
        serializer = DisbursementReceiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        disbursement = services.disbursement_receive(
            disbursement=disbursement, user=request.user, **serializer.validated_data
        )
        return Response(self.read_back(disbursement))

    def destroy(self, request, pk=None):
        """Cancel a tranche; a received one needs a `reason` (a 400 naming it otherwise)."""
        disbursement = self.get_object()
        data = request.data if request.data else {"reason": request.query_params.get("reason", "")}
        serializer = DisbursementReasonSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        services.disbursement_delete(
            disbursement=disbursement, user=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The funding summary: the dashboard's figures ---------------------------------------

GROUP_BYS = ("donor", *funding.GROUP_BYS)
_SUMMED = ("committed", "allocated", "received", "spent", "overdue", "planned")


class FundingSummaryForm(FundingPeriodForm):
    """The dashboard's filters as query parameters, with the same period check."""

    group_by = forms.ChoiceField(choices=[(g, g) for g in GROUP_BYS], required=False)
    donor = IdChoiceField(queryset=funding.funding_donor_choices(), required=False)
    as_donor = IdChoiceField(queryset=funding.funding_donor_choices(), required=False)
    sub_programme = IdChoiceField(queryset=SubProgramme.objects.all(), required=False)
    project = IdChoiceField(queryset=Project.objects.none(), required=False)
    province = forms.ModelChoiceField(queryset=Province.objects.all(), required=False)

    def __init__(self, data, *, user):
        super().__init__(data)
        # As on the dashboard: only the projects the viewer may open can be chosen.
        self.fields["project"].queryset = project_list_visible_to(user)


def _donor_rows(summary: funding.FundingSummary, scope: funding.FundingScope) -> list:
    """Agreement rows added up per donor and currency; the burn rate over the donor's
    agreements from the earliest start to the latest end, as the selector groups projects."""
    donors = {
        pk: (donor_id, short_name, name)
        for pk, donor_id, short_name, name in FundingAgreement.objects.filter(
            pk__in=[row.key for row in summary.rows]
        ).values_list("pk", "donor_id", "donor__short_name", "donor__name")
    }
    grouped: dict[tuple[int, str], funding.FundingRow] = {}
    for row in summary.rows:
        donor_id, short_name, name = donors[row.key]
        current = grouped.get((donor_id, row.currency))
        if current is None:
            grouped[(donor_id, row.currency)] = replace(
                row, key=donor_id, label=short_name, detail=name
            )
            continue
        changes = {}
        for field in _SUMMED:
            changes[field] = getattr(current, field) + getattr(row, field)
            changes[f"{field}_usd"] = getattr(current, f"{field}_usd") + getattr(
                row, f"{field}_usd"
            )
        changes["overdue_count"] = (current.overdue_count or 0) + (row.overdue_count or 0)
        changes["period_start"] = min(current.period_start, row.period_start)
        changes["period_end"] = max(current.period_end, row.period_end)
        grouped[(donor_id, row.currency)] = replace(current, **changes)
    rows = []
    for row in grouped.values():
        rows.append(
            replace(
                row,
                burn_rate=figures.burn_rate(
                    spent=row.spent_usd,
                    planned=row.allocated_usd,
                    start=row.period_start,
                    end=row.period_end,
                    window_from=scope.filters.date_from,
                    as_of=scope.as_of,
                ),
            )
        )
    rows.sort(key=lambda r: (r.label, r.currency))
    return rows


# FundingSummarySerializer's output, formatted without DRF's reading of every value.
SUMMARY_DATA = PlainData(FundingSummarySerializer)


def _row(row: funding.FundingRow | None) -> dict | None:
    if row is None:
        return None
    return {
        "key": row.key,
        "label": row.label,
        "detail": row.detail,
        "currency": row.currency,
        **{name: getattr(row, name) for name in _SUMMED},
        "balance": row.balance,
        "percent_received": row.percent_received,
        **{f"{name}_usd": getattr(row, f"{name}_usd") for name in _SUMMED},
        "balance_usd": row.balance_usd,
        "overdue_count": row.overdue_count,
        "burn_rate": row.burn_rate,
        "other_funding_usd": row.other_funding_usd,
        "period_start": row.period_start,
        "period_end": row.period_end,
    }


def _total_row(row: funding.FundingRow | None) -> dict | None:
    """The USD total across currencies: amounts in different currencies do not add up, so
    its own currency and every figure in it are null (never a misleading 0.00)."""
    out = _row(row)
    if out is not None:
        out.update(dict.fromkeys(("currency", *_SUMMED, "balance", "percent_received")))
    return out


class FundingSummaryView(AggregateView):
    """Committed, allocated, received, spent, balance, burn rate and overdue tranches per
    donor, agreement, project, sub-programme, province or year, one row per currency:
    the funding dashboard's figures (donors.selectors_funding), with its totals."""

    permission_classes = MONEY_PERMISSIONS
    csv_filename = "funding-summary"
    known_params = frozenset(
        {
            "group_by",
            "date_from",
            "date_to",
            "donor",
            "as_donor",
            "sub_programme",
            "project",
            "province",
        }
    )

    @extend_schema(
        operation_id="funding_summary",
        parameters=[
            OpenApiParameter("group_by", str, enum=list(GROUP_BYS), description="Default donor."),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter(
                "donor", int, description="Managers and administrators; a donor only its own."
            ),
            OpenApiParameter(
                "as_donor",
                int,
                description=(
                    "Managers and administrators: the figures as this donor sees them "
                    "(others' money on its projects as one other_funding_usd figure)."
                ),
            ),
            OpenApiParameter("sub_programme", int),
            OpenApiParameter("project", int),
            OpenApiParameter("province", str, description="ISO 3166-2:PK code, e.g. PK-PB."),
        ],
        responses={200: FundingSummarySerializer},
        tags=["funding"],
    )
    def get(self, request):
        if (kept := self.kept_response()) is not None:
            return kept
        form = FundingSummaryForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise translate_validation(form.errors)
        data = form.cleaned_data
        user = request.user
        donor = data["donor"]
        own = access.donor_of(user)
        if donor is not None and own is not None and donor != own:
            raise ValidationError(
                {"donor": ["You see only your own donor's figures."]}, code="not_permitted"
            )
        filters = funding.FundingFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            sub_programme_id=data["sub_programme"].pk if data["sub_programme"] else None,
            project_id=data["project"].pk if data["project"] else None,
            province_code=data["province"].pk if data["province"] else None,
            donor_id=donor.pk if donor is not None and own is None else None,
        )
        group_by = data["group_by"] or "donor"
        summary = funding.funding_summary(
            user=user,
            group_by="agreement" if group_by == "donor" else group_by,
            filters=filters,
            as_donor=data["as_donor"],
        )
        rows, currency_totals, total_usd = summary.rows, summary.currency_totals, summary.total_usd
        if group_by == "donor":
            scope = funding.funding_scope(user=user, filters=filters, as_donor=data["as_donor"])
            rows = _donor_rows(summary, scope)
        body = {
            "group_by": group_by,
            "donor": summary.donor.pk if summary.donor is not None else None,
            # The rows themselves: the serializer reads the same names from a FundingRow
            # as from _row's dict, without a dict made per row.
            "rows": rows,
            "currency_totals": currency_totals,
            "total_usd": _total_row(total_usd),
            "notes": funding.ATTRIBUTION_NOTES,
        }
        data = SUMMARY_DATA.represent(body)
        table = [*data["rows"], *data["currency_totals"]]
        if data["total_usd"] is not None:
            table.append(data["total_usd"])
        return self.table_response(data, header=list(FundingRowSerializer().fields), rows=table)
