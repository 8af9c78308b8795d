"""Offline checks of an IATI activity document, as the official validator makes them:
the XSD, the codelists (through mapping.xml) and the rulesets (standard.json).

The rules engine reads standard.json and evaluates the rule types the activity rules use
(atleast_one, one_or_all, date_order, date_now, time_limit, strict_sum, range, if_then,
unique, no_more_than_one) with lxml's XPath. Rules of other types, and those needing
online data (the Registry's publishers), are not checked here.
"""

import datetime
import functools
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from reports.iati.codelists import CodelistError, codelist, mappings, reference_dir, safe_parser


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    where: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.severity}) at {self.where}: {self.message}"


@functools.cache
def _schema() -> etree.XMLSchema:
    path = reference_dir() / "schema" / "iati-activities-schema.xsd"
    return etree.XMLSchema(etree.parse(str(path), safe_parser()))


def parse(content: bytes) -> etree._ElementTree:
    return etree.ElementTree(etree.fromstring(content, safe_parser()))


def schema_errors(doc: etree._ElementTree) -> list[str]:
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def codelist_errors(doc: etree._ElementTree) -> list[str]:
    """Each coded value that is not in its codelist (the lists present in the reference
    folder; a value whose list is absent is reported as unchecked)."""
    errors = []
    for mapping in mappings():
        path = mapping.path
        # mapping.xml's paths start with //; the condition applies to the attribute's element.
        owner, _, attribute = path.rpartition("/@")
        if not attribute:
            continue
        elements = doc.xpath(owner if owner not in ("", "/") else "//*")
        for element in elements:
            if mapping.condition and not element.xpath(f"boolean({mapping.condition})"):
                continue
            name = (
                "{http://www.w3.org/XML/1998/namespace}lang"
                if attribute == "xml:lang"
                else attribute
            )
            value = element.get(name)
            if value is None:
                continue
            try:
                known = value in codelist(mapping.codelist)
            except CodelistError:
                if mapping.codelist == "Version" and value == "2.03":
                    continue  # the schema version this document declares and is checked against
                errors.append(f"{path}={value}: no {mapping.codelist} codelist to check it")
                continue
            if not known:
                errors.append(f"{path}={value}: not in the {mapping.codelist} codelist")
    return errors


@functools.cache
def _rulesets() -> dict:
    return json.loads((reference_dir() / "rulesets" / "standard.json").read_text())


def _values(node, path: str) -> list[str]:
    found = node.xpath(path)
    if isinstance(found, list):
        return [v if isinstance(v, str) else (v.text or "") for v in found]
    return [str(found)]


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _case_holds(node, rule: str, case: dict, today: datetime.date) -> bool:
    if "condition" in case and not node.xpath(f"boolean({case['condition']})"):
        return True
    if rule == "atleast_one":
        return any(node.xpath(p) for p in case["paths"])
    if rule == "one_or_all":
        if node.xpath(case["one"]):
            return True
        each, needs = ONE_OR_ALL[case["all"]]
        return all(element.xpath(needs) for element in node.xpath(f".//{each}"))
    if rule == "date_order":
        less = [_date(v) for v in _values(node, case["less"])]
        more = [today] if case["more"] == "NOW" else [_date(v) for v in _values(node, case["more"])]
        return all(a <= b for a in less for b in more if a and b)
    if rule == "date_now":
        return all((d := _date(v)) is None or d <= today for v in _values(node, case["date"]))
    if rule == "time_limit":
        starts = [_date(v) for v in _values(node, case["start"])]
        ends = [_date(v) for v in _values(node, case["end"])]
        return all((e - s).days <= 366 for s in starts for e in ends if s and e)
    if rule == "strict_sum":
        total = sum((_decimal(v) or 0 for p in case["paths"] for v in _values(node, p)), 0)
        return total == Decimal(case["sum"])
    if rule == "range":
        values = [_decimal(v) for p in case["paths"] for v in _values(node, p)]
        return all(
            v is None or Decimal(str(case.get("min", v))) <= v <= Decimal(str(case.get("max", v)))
            for v in values
        )
    if rule == "if_then":
        return not node.xpath(f"boolean({case['if']})") or node.xpath(f"boolean({case['then']})")
    if rule == "unique":
        values = [v for p in case["paths"] for v in _values(node, p)]
        return len(values) == len(set(values))
    if rule == "no_more_than_one":
        return sum(len(node.xpath(p)) for p in case["paths"]) <= 1
    raise NotImplementedError(rule)


# one_or_all's "all": which elements must each carry what, when the activity does not
# (the official validator's reading of "lang", "currency" and "sector").
ONE_OR_ALL = {
    "lang": ("narrative", "@xml:lang"),
    "currency": ("value", "@currency"),
    "sector": ("transaction", "sector"),
}


CHECKED_RULES = frozenset(
    {
        "atleast_one",
        "one_or_all",
        "date_order",
        "date_now",
        "time_limit",
        "strict_sum",
        "range",
        "if_then",
        "unique",
        "no_more_than_one",
    }
)


def rule_findings(doc: etree._ElementTree, *, today: datetime.date) -> list[Finding]:
    """Every case of standard.json's activity rules that does not hold."""
    findings = []
    for contexts, rules in _rulesets().items():
        for context in contexts.split(" | "):
            if context.startswith("/iati-organisations"):
                continue
            for node in doc.xpath(context):
                for rule, body in rules.items():
                    if rule not in CHECKED_RULES:
                        continue
                    for case in body["cases"]:
                        if not _case_holds(node, rule, case, today):
                            info = case.get("ruleInfo", {})
                            findings.append(
                                Finding(
                                    rule=info.get("id", rule),
                                    severity=info.get("severity", "error"),
                                    message=info.get("message", ""),
                                    where=doc.getpath(node),
                                )
                            )
    return findings
