"""What the API shows of agreements, allocations, tranches and funding figures. Relations
and totals come from the endpoint's queryset (select_related, annotations): no queries."""

from rest_framework import serializers

from ctportal.api.fields import IdField
from ctportal.api.reading import QuickRead
from ctportal.figures import DEFINITIONS, USD_POLICY
from donors.models import Allocation, Disbursement, FundingAgreement

MONEY = {"max_digits": 18, "decimal_places": 2}
SUM = {"max_digits": 24, "decimal_places": 2}


class AgreementSerializer(QuickRead, serializers.ModelSerializer):
    # Annotated by the endpoint's queryset (donors.apis.AgreementViewSet).
    donor_short_name = serializers.CharField(read_only=True)
    allocated = serializers.DecimalField(**SUM, read_only=True)
    allocated_usd = serializers.DecimalField(**SUM, read_only=True)
    planned = serializers.DecimalField(**SUM, read_only=True)
    received = serializers.DecimalField(**SUM, read_only=True)
    received_usd = serializers.DecimalField(**SUM, read_only=True)

    class Meta:
        model = FundingAgreement
        fields = [
            "id",
            "reference",
            "title",
            "donor",
            "donor_short_name",
            "implementer",
            "currency",
            "amount",
            "usd_rate",
            "amount_usd",
            "signed_on",
            "start_date",
            "end_date",
            "allocated",
            "allocated_usd",
            "planned",
            "received",
            "received_usd",
        ]


class AllocationSerializer(QuickRead, serializers.ModelSerializer):
    # Annotated by the endpoint's queryset (AGREEMENT_COLUMNS, donors.apis).
    agreement_reference = serializers.CharField(read_only=True)
    donor = serializers.IntegerField(source="agreement_donor", read_only=True)
    currency = serializers.CharField(source="agreement_currency", read_only=True)
    project_code = serializers.CharField(read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "agreement",
            "agreement_reference",
            "donor",
            "project",
            "project_code",
            "currency",
            "amount",
            "amount_usd",
        ]


class DisbursementSerializer(QuickRead, serializers.ModelSerializer):
    # Annotated by the endpoint's queryset (AGREEMENT_COLUMNS, donors.apis).
    agreement_reference = serializers.CharField(read_only=True)
    donor = serializers.IntegerField(source="agreement_donor", read_only=True)
    currency = serializers.CharField(source="agreement_currency", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Disbursement
        fields = [
            "id",
            "agreement",
            "agreement_reference",
            "donor",
            "currency",
            "planned_date",
            "planned_amount",
            "planned_usd_rate",
            "planned_amount_usd",
            "received_date",
            "received_amount",
            "received_usd_rate",
            "received_amount_usd",
            "overdue",
            "notes",
        ]


class DisbursementInputSerializer(serializers.Serializer):
    """A tranche as a programme manager records it, in the agreement's currency; the USD
    rates and figures are the service's to set."""

    agreement = IdField(queryset=FundingAgreement.objects.all())
    planned_date = serializers.DateField()
    planned_amount = serializers.DecimalField(**MONEY)
    received_date = serializers.DateField(required=False, allow_null=True, default=None)
    received_amount = serializers.DecimalField(
        **MONEY, required=False, allow_null=True, default=None
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def __init__(self, *args, agreement_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agreement_queryset is not None:
            self.fields["agreement"].queryset = agreement_queryset


REASON_HELP = "Why; kept in the tranche's history. Required once the tranche is received."


class DisbursementUpdateSerializer(DisbursementInputSerializer):
    """A correction: any of the tranche's own fields and why; the agreement stays."""

    agreement = None
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text=REASON_HELP
    )


class DisbursementReasonSerializer(serializers.Serializer):
    """Why a tranche is cancelled."""

    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text=REASON_HELP
    )


class DisbursementReceiveSerializer(serializers.Serializer):
    received_date = serializers.DateField()
    received_amount = serializers.DecimalField(**MONEY)


class FundingRowSerializer(serializers.Serializer):
    """One group in one currency; *_usd figures under ctportal.figures.USD_POLICY."""

    key = serializers.JSONField(help_text="The group: an id, a province code or a year.")
    label = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    currency = serializers.CharField()
    committed = serializers.DecimalField(**SUM, help_text=DEFINITIONS["committed"])
    allocated = serializers.DecimalField(**SUM, help_text=DEFINITIONS["allocated"])
    received = serializers.DecimalField(**SUM, help_text=DEFINITIONS["received"])
    spent = serializers.DecimalField(**SUM, help_text=DEFINITIONS["spent"])
    balance = serializers.DecimalField(**SUM, help_text=DEFINITIONS["balance"])
    planned = serializers.DecimalField(**SUM, help_text=DEFINITIONS["planned"])
    overdue = serializers.DecimalField(**SUM, help_text=DEFINITIONS["overdue"])
    percent_received = serializers.DecimalField(
        max_digits=7, decimal_places=1, allow_null=True, help_text=DEFINITIONS["percent_received"]
    )
    committed_usd = serializers.DecimalField(**SUM, help_text=USD_POLICY)
    allocated_usd = serializers.DecimalField(**SUM)
    received_usd = serializers.DecimalField(**SUM)
    spent_usd = serializers.DecimalField(**SUM)
    balance_usd = serializers.DecimalField(**SUM)
    planned_usd = serializers.DecimalField(**SUM)
    overdue_usd = serializers.DecimalField(**SUM)
    overdue_count = serializers.IntegerField(allow_null=True)
    burn_rate = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text=DEFINITIONS["burn_rate"]
    )
    other_funding_usd = serializers.DecimalField(**SUM, allow_null=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)


class FundingTotalSerializer(FundingRowSerializer):
    """The USD total across currencies: null currency and null figures in it (amounts in
    different currencies do not add up); the *_usd figures are the total."""

    currency = serializers.CharField(allow_null=True)
    committed = serializers.DecimalField(**SUM, allow_null=True)
    allocated = serializers.DecimalField(**SUM, allow_null=True)
    received = serializers.DecimalField(**SUM, allow_null=True)
    spent = serializers.DecimalField(**SUM, allow_null=True)
    balance = serializers.DecimalField(**SUM, allow_null=True)
    planned = serializers.DecimalField(**SUM, allow_null=True)
    overdue = serializers.DecimalField(**SUM, allow_null=True)


class FundingSummarySerializer(serializers.Serializer):
    group_by = serializers.CharField()
    donor = serializers.IntegerField(
        allow_null=True, help_text="The donor whose view this is (donor viewers), else null."
    )
    rows = FundingRowSerializer(many=True)
    currency_totals = FundingRowSerializer(many=True)
    total_usd = FundingTotalSerializer(allow_null=True)
    notes = serializers.DictField(child=serializers.CharField())
