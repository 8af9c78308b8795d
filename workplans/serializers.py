"""What the API shows of workplans, activities, meetings and progress, and what it accepts
for the writes. Relations come from each endpoint's queryset (select_related and
prefetch_related): no serializer queries."""

from django.db.models.manager import BaseManager
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ctportal.api.fields import IdField
from ctportal.api.reading import QuickRead, ValueRows
from ctportal.figures import DEFINITIONS
from ctportal.money import Currency
from organisations.models import Organisation
from projects.models import Indicator, Output, Project, Province
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    Attendance,
    Decision,
    EvidenceFile,
    EwgMeeting,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.selectors_rows import activity_relations_attach, progress_update_values_attach

MONEY = {"max_digits": 18, "decimal_places": 2}
VALUE = {"max_digits": 14, "decimal_places": 2}


class WorkplanSerializer(serializers.ModelSerializer):
    sub_programme_code = serializers.CharField(source="sub_programme.code", read_only=True)

    class Meta:
        model = Workplan
        fields = [
            "id",
            "code",
            "title",
            "sub_programme",
            "sub_programme_code",
            "period_start",
            "period_end",
        ]


class WorkplanVersionSerializer(serializers.ModelSerializer):
    workplan_code = serializers.CharField(source="workplan.code", read_only=True)
    activity_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = WorkplanVersion
        fields = [
            "id",
            "workplan",
            "workplan_code",
            "number",
            "status",
            "based_on",
            "submitted_at",
            "decided_by_meeting",
            "approved_at",
            "review_comment",
            "activity_count",
        ]


class ActivityTargetSerializer(QuickRead, serializers.ModelSerializer):
    class Meta:
        model = ActivityTarget
        fields = ["indicator", "quarter", "value"]


class ActivityListSerializer(serializers.ListSerializer):
    """Activities with their provinces and targets read for all of them at once."""

    def to_representation(self, data):
        activities = list(data.all() if isinstance(data, BaseManager) else data)
        activity_relations_attach(activities=activities)
        return super().to_representation(activities)


class ActivitySerializer(QuickRead, serializers.ModelSerializer):
    # Both annotated by the endpoint's queryset (workplans.apis.ActivityViewSet).
    workplan = serializers.IntegerField(read_only=True)
    lead_counterpart_short_name = serializers.CharField(read_only=True)
    # Provinces and targets as plain values (workplans.selectors_rows), read for a whole
    # list by ActivityListSerializer, for one activity by to_representation.
    provinces = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        list_serializer_class = ActivityListSerializer
        fields = [
            "id",
            "version",
            "workplan",
            "lineage",
            "code",
            "title",
            "description",
            "output",
            "lead_counterpart",
            "lead_counterpart_short_name",
            "project",
            "provinces",
            "budget",
            "budget_currency",
            "targets",
        ]

    def to_representation(self, instance):
        if not hasattr(instance, "target_rows"):  # one activity, not a list's row
            activity_relations_attach(activities=[instance])
        return super().to_representation(instance)

    def get_provinces(self, activity) -> list[str]:
        """ISO 3166-2:PK codes of the provinces the activity takes place in."""
        return list(activity.province_codes)

    @cached_property
    def _targets(self) -> ValueRows:
        return ValueRows(ActivityTargetSerializer())

    @extend_schema_field(ActivityTargetSerializer(many=True, read_only=True))
    def get_targets(self, activity) -> list[dict]:
        return self._targets.represent(activity.target_rows)


class TargetInputSerializer(serializers.Serializer):
    indicator = IdField(queryset=Indicator.objects.all())
    quarter = serializers.IntegerField(min_value=1, max_value=100)
    value = serializers.DecimalField(**VALUE)


class ActivityInputSerializer(serializers.Serializer):
    """An activity as a programme manager plans it on a draft or returned version."""

    version = IdField(queryset=WorkplanVersion.objects.all())
    code = serializers.CharField(max_length=20)
    title = serializers.CharField(max_length=400)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    output = IdField(queryset=Output.objects.all())
    lead_counterpart = IdField(queryset=Organisation.objects.all())
    project = IdField(queryset=Project.objects.all(), allow_null=True, required=False, default=None)
    provinces = IdField(queryset=Province.objects.all(), many=True, required=False, default=list)
    budget = serializers.DecimalField(**MONEY, required=False, default=0)
    budget_currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.USD)
    targets = TargetInputSerializer(many=True, required=False, default=list)

    def __init__(self, *args, version_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if version_queryset is not None:
            self.fields["version"].queryset = version_queryset


class ActivityUpdateSerializer(serializers.Serializer):
    """A change to an activity: any field but its version; targets and provinces, when
    given, replace the current ones. (Not a partial ActivityInputSerializer: a partial
    serializer would leave its targets' own fields optional too.)"""

    code = serializers.CharField(max_length=20, required=False)
    title = serializers.CharField(max_length=400, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    output = IdField(queryset=Output.objects.all(), required=False)
    lead_counterpart = IdField(queryset=Organisation.objects.all(), required=False)
    project = IdField(queryset=Project.objects.all(), allow_null=True, required=False)
    provinces = IdField(queryset=Province.objects.all(), many=True, required=False)
    budget = serializers.DecimalField(**MONEY, required=False)
    budget_currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    targets = TargetInputSerializer(many=True, required=False)


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["organisation", "mode", "names"]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["number", "text"]


class MeetingSerializer(serializers.ModelSerializer):
    attendances = AttendanceSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    versions_decided = IdField(many=True, read_only=True)
    documents = serializers.SerializerMethodField()

    class Meta:
        model = EwgMeeting
        fields = [
            "id",
            "sub_programme",
            "date",
            "venue",
            "chair",
            "chair_organisation",
            "notes",
            "attendances",
            "decisions",
            "versions_decided",
            "documents",
        ]

    def get_documents(self, meeting) -> list[str]:
        """Titles of the documents filed with the meeting (downloaded from its page)."""
        return [document.title for document in meeting.documents.all()]


class AchievedValueSerializer(QuickRead, serializers.ModelSerializer):
    class Meta:
        model = AchievedValue
        fields = ["indicator", "sex", "province", "value"]


class ProgressUpdateListSerializer(serializers.ListSerializer):
    """Updates with their achieved values read for all of them at once."""

    def to_representation(self, data):
        updates = list(data.all() if isinstance(data, BaseManager) else data)
        progress_update_values_attach(updates=updates)
        return super().to_representation(updates)


class ProgressUpdateSerializer(QuickRead, serializers.ModelSerializer):
    # Annotated by the endpoint's queryset (workplans.apis_progress).
    activity_code = serializers.CharField(read_only=True)
    workplan = serializers.IntegerField(read_only=True)
    author = serializers.CharField(source="author_username", read_only=True)
    verified_by = serializers.CharField(
        source="verified_by_username", read_only=True, allow_null=True, default=None
    )
    # Plain values (workplans.selectors_rows), read for a whole list by
    # ProgressUpdateListSerializer, for one update by to_representation.
    values = serializers.SerializerMethodField()

    class Meta:
        model = ProgressUpdate
        list_serializer_class = ProgressUpdateListSerializer
        fields = [
            "id",
            "activity",
            "activity_code",
            "workplan",
            "quarter",
            "state",
            "status",
            "percent_complete",
            "narrative",
            "challenges",
            "values",
            "author",
            "review_comment",
            "submitted_at",
            "verified_at",
            "verified_by",
            "revision",
        ]

    def to_representation(self, instance):
        if not hasattr(instance, "value_rows"):  # one update, not a list's row
            progress_update_values_attach(updates=[instance])
        return super().to_representation(instance)

    @cached_property
    def _values(self) -> ValueRows:
        return ValueRows(AchievedValueSerializer())

    @extend_schema_field(AchievedValueSerializer(many=True, read_only=True))
    def get_values(self, update) -> list[dict]:
        return self._values.represent(update.value_rows)


class AchievedValueInputSerializer(serializers.Serializer):
    indicator = IdField(queryset=Indicator.objects.all())
    sex = serializers.ChoiceField(
        choices=AchievedValue.Sex.choices, required=False, default="", allow_blank=True
    )
    province = IdField(
        queryset=Province.objects.all(), required=False, allow_null=True, default=None
    )
    value = serializers.DecimalField(**VALUE)


class ProgressUpdateInputSerializer(serializers.Serializer):
    """A counterpart's draft for one activity and quarter; `values` replaces the achieved
    values. Creating one that exists already is a 409 (edit it with PATCH instead)."""

    activity = IdField(queryset=Activity.objects.all())
    quarter = serializers.IntegerField(min_value=1, max_value=100)
    status = serializers.ChoiceField(choices=ProgressUpdate.Status.choices)
    percent_complete = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField(allow_blank=True, required=False, default="")
    challenges = serializers.CharField(allow_blank=True, required=False, default="")
    values = AchievedValueInputSerializer(many=True, required=False, default=list)

    def __init__(self, *args, activity_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if activity_queryset is not None:
            self.fields["activity"].queryset = activity_queryset


class ProgressUpdateEditSerializer(serializers.Serializer):
    """A change to a draft or returned update, based on the revision the client read: a
    save on an older revision is a 409 and changes nothing. Fields left out keep their
    values; `values`, when given, replaces the achieved values."""

    expected_revision = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The `revision` of the update you edited."
    )
    status = serializers.ChoiceField(choices=ProgressUpdate.Status.choices, required=False)
    percent_complete = serializers.IntegerField(min_value=0, max_value=100, required=False)
    narrative = serializers.CharField(allow_blank=True, required=False)
    challenges = serializers.CharField(allow_blank=True, required=False)
    values = AchievedValueInputSerializer(many=True, required=False)


class EvidenceFileSerializer(serializers.ModelSerializer):
    """A file attached to a progress update: its name as shown, its type read from its
    content, its size in bytes and who attached it."""

    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = EvidenceFile
        fields = ["id", "update", "original_name", "content_type", "size", "uploaded_by"]


class EvidenceUploadSerializer(serializers.Serializer):
    """One file, sent as multipart/form-data. Whether it is acceptable (type by content,
    size, not empty) is the service's to say, as for the progress page's upload."""

    evidence = serializers.FileField(
        allow_empty_file=True,
        help_text="A PDF, PNG, JPEG, Word (DOCX) or Excel (XLSX) file of at most 10 MB.",
    )


class ProgressReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=5000, help_text="What the counterpart should change."
    )


class ProgressSummaryParamsSerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(
        choices=["workplan", "output", "status"], required=False, help_text="Default workplan."
    )
    workplan = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text="Only this workplan."
    )
    quarter = serializers.IntegerField(
        min_value=1, max_value=100, required=False, help_text="Count updates up to this quarter."
    )


class ProgressSummaryRowSerializer(serializers.Serializer):
    key = serializers.JSONField(help_text="Workplan id, output id or status; null for the total.")
    label = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    activities = serializers.IntegerField()
    reported = serializers.IntegerField(help_text="Activities with a verified update.")
    not_reported = serializers.IntegerField()
    not_started = serializers.IntegerField()
    on_track = serializers.IntegerField()
    delayed = serializers.IntegerField()
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    average_percent_complete = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text=DEFINITIONS["percent_complete"]
    )


class ProgressSummarySerializer(serializers.Serializer):
    group_by = serializers.CharField()
    rows = ProgressSummaryRowSerializer(many=True)
    total = ProgressSummaryRowSerializer()
