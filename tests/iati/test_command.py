"""python manage.py export_iati writes the file a user's access allows, and says which
projects it left out and why."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.iati import validation
from tests.factories import ProjectFactory, user_with_role


def test_export_iati_writes_a_valid_file_and_lists_what_projects_lack(db, tmp_path):
    user_with_role("programme_manager", username="publisher")
    ProjectFactory(code="READY")
    ProjectFactory(code="NO-SECTOR", dac_sector="")
    out, err = StringIO(), StringIO()
    target = tmp_path / "iati.xml"
    call_command(
        "export_iati", "--user", "publisher", "--output", str(target), stdout=out, stderr=err
    )
    doc = validation.parse(target.read_bytes())
    assert doc.xpath("//iati-identifier/text()") == ["XM-DAC-41128-READY"]
    assert validation.schema_errors(doc) == []
    assert err.getvalue() == (
        "NO-SECTOR left out: dac_sector: No DAC sector (IATI rule 6.2.2: a sector is needed).\n"
    )
    assert out.getvalue() == f"Wrote {target}\n"
    assert not (tmp_path / "iati.xml.part").exists()


def test_export_iati_takes_the_project_list_filters(db, tmp_path):
    user_with_role("programme_manager", username="publisher")
    ProjectFactory(code="A", status="2")
    ProjectFactory(code="B", status="4")
    target = tmp_path / "iati.xml"
    call_command(
        "export_iati",
        "--user",
        "publisher",
        "--output",
        str(target),
        "--filter",
        "status=4",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    doc = validation.parse(target.read_bytes())
    assert doc.xpath("//iati-identifier/text()") == ["XM-DAC-41128-B"]


def test_export_iati_refuses_an_unknown_user(db, tmp_path):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("export_iati", "--user", "nobody", "--output", str(tmp_path / "x.xml"))
    assert not (tmp_path / "x.xml").exists()
