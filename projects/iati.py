"""IATI identifiers of the programme's projects, defined once for the reports and the IATI
activity export alike."""

IATI_SEPARATOR = "-"


def project_iati_identifier(*, reporting_org_identifier: str, project_code: str) -> str:
    """A project's IATI activity identifier: the reporting (implementing) organisation's
    IATI organisation identifier, "-", then the project's code, e.g. "XM-DAC-41128-P7-GAC-CT".

    Projects store no IATI identifier. IATI's rule is that an activity identifier starts
    with the identifier of the organisation that reports it, followed by the reporter's own
    unique code for the activity; the implementer (UNODC, Organisation.iati_identifier)
    reports the programme's projects and the project code is unique (Project.code), so the
    identifier is derived, never typed, and the same wherever it is shown or exported.
    "" when the organisation has no IATI identifier: an activity identifier cannot be
    formed without one."""
    reporting_org_identifier = reporting_org_identifier.strip()
    if not reporting_org_identifier or not project_code:
        return ""
    return f"{reporting_org_identifier}{IATI_SEPARATOR}{project_code.strip()}"


# UNODC's IATI organisation identifier (CRS channel code 41128 under the XM-DAC agency, as
# ../shared/iati/README.md derives it): the reporting organisation of the programme's IATI
# activities, in the export (reports.iati) and the project API alike.
REPORTING_ORG_IDENTIFIER = "XM-DAC-41128"


def reported_iati_identifier(project_code: str) -> str:
    """The activity identifier under which UNODC reports a project."""
    return project_iati_identifier(
        reporting_org_identifier=REPORTING_ORG_IDENTIFIER, project_code=project_code
    )
