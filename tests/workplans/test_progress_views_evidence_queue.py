"""Progress pages through the Django test client: counterparts report, managers verify or
return; every refusal leaves the data as it was; field errors land on their fields; a stale
form is refused; evidence is served only to who may see it; e-mails go on commit; the
queue, "my activities" and the project page cost the same queries for 1 and 5 rows."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role
from tests.factories import (
    ProgressUpdateFactory,
    ProvinceFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import (
    approved_version,
    counterpart,
    planned_activity,
    punjab,
    sindh,
)
from tests.workplans.progress_views_support import PDF, State, count_queries, form_data, form_url
from workplans import services
from workplans.models import (
    EvidenceFile,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("files", "said"),
    [
        (1, "Draft saved and 1 file attached. Submit it when it is complete."),
        (2, "Draft saved and 2 files attached. Submit it when it is complete."),
    ],
)
def test_saving_a_draft_counts_the_files_attached_in_good_english(
    client, activity, reporter, files, said
):
    client.force_login(reporter)
    data = form_data(activity)
    data["evidence"] = [
        SimpleUploadedFile(f"sheet {n}.pdf", PDF, "application/pdf") for n in range(files)
    ]

    response = client.post(form_url(activity), data, follow=True)

    assert [str(m) for m in response.context["messages"]] == [said]
    assert EvidenceFile.objects.count() == files


def test_evidence_is_checked_by_content_and_stored_under_media_root(evidence, reporter):
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        "attendance sheet.pdf",
        "application/pdf",
        len(PDF),
    )
    assert evidence.uploaded_by == reporter
    path = Path(evidence.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert path.read_bytes() == PDF
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", path.name)  # never the user's file name


@pytest.mark.parametrize("who", ["colleague", "manager"])
def test_evidence_is_served_to_the_authors_organisation_and_managers(
    client, evidence, colleague, manager, who
):
    client.force_login({"colleague": colleague, "manager": manager}[who])
    response = client.get(reverse("workplans:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == ('attachment; filename="attendance sheet.pdf"')
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["other_donor", "outsider", "project_donor"])
def test_evidence_is_a_404_to_others(client, evidence, request, who):
    # The project's own donor sees an update's evidence only once it is verified.
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("workplans:evidence-download", args=[evidence.pk]))
    assert response.status_code == 404


def test_the_projects_donor_gets_the_evidence_of_a_verified_update(
    client, evidence, reporter, manager, project_donor
):
    update = services.progress_update_submit(update=evidence.update, user=reporter)
    services.progress_update_verify(update=update, user=manager)
    client.force_login(project_donor)
    response = client.get(reverse("workplans:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200


def test_evidence_is_removed_only_while_the_update_is_editable(
    client, evidence, reporter, outsider
):
    delete_url = reverse("workplans:evidence-delete", args=[evidence.pk])
    client.force_login(outsider)
    assert client.post(delete_url).status_code == 404
    client.force_login(reporter)
    services.progress_update_submit(update=evidence.update, user=reporter)
    assert client.post(delete_url).status_code == 302
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()


# --- The review queue -----------------------------------------------------------------------


def test_the_queue_lists_submitted_updates_and_filters_them(client, reporter, manager, lead):
    islamabad = ProvinceFactory(code="PK-IS", name="Islamabad")
    sp1 = SubProgrammeFactory(code="SP-I", title="Border management")
    in_punjab = planned_activity(approved_version(), lead=lead, code="A-PB")
    in_punjab.provinces.set([punjab(), islamabad])
    in_sindh = planned_activity(approved_version(), lead=counterpart("CTD-SD"), code="A-SD")
    in_sindh.provinces.set([sindh()])
    border = planned_activity(
        approved_version(workplan=WorkplanFactory(sub_programme=sp1)), lead=lead, code="A-BM"
    )
    for activity in (in_punjab, in_sindh, border):
        ProgressUpdateFactory(activity=activity, state=State.SUBMITTED, submitted_at=timezone.now())
    ProgressUpdateFactory(activity=in_punjab, quarter=1, state=State.DRAFT)
    ProgressUpdateFactory(activity=in_sindh, quarter=1, state=State.VERIFIED)
    client.force_login(manager)
    url = reverse("workplans:review-list")

    def listed(query: str = "") -> list[str]:
        response = client.get(url + query)
        assert response.status_code == 200
        return sorted(u.activity.code for u in response.context["updates"])

    assert listed() == ["A-BM", "A-PB", "A-SD"]
    assert listed("?province=PK-PB") == ["A-PB"]
    assert listed("?province=PK-IS") == ["A-PB"]
    assert listed(f"?sub_programme={sp1.pk}") == ["A-BM"]
    assert listed(f"?counterpart={lead.pk}") == ["A-BM", "A-PB"]
    assert listed(f"?counterpart={lead.pk}&province=PK-SD") == []


@pytest.mark.parametrize("role", [Role.COUNTERPART_STAFF, Role.DONOR_VIEWER, Role.EWG_SECRETARIAT])
def test_only_managers_open_the_queue(client, role):
    client.force_login(user_with_role(role))
    assert client.get(reverse("workplans:review-list")).status_code == 403


def test_queue_query_count_is_the_same_for_1_and_5_updates(client, manager):
    client.force_login(manager)
    url = reverse("workplans:review-list")

    def add(n: int) -> None:
        for i in range(n):
            activity = planned_activity(approved_version(), lead=counterpart(f"CTD-{i}"))
            activity.provinces.set([punjab(), sindh()])
            ProgressUpdateFactory(
                activity=activity, state=State.SUBMITTED, submitted_at=timezone.now()
            )

    add(1)
    one = count_queries(client, url)
    add(4)
    assert len(client.get(url).context["updates"]) == 5
    assert count_queries(client, url) == one
