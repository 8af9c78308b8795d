"""The official IATI codelists, read from their XML files at run time.

Every code the export writes is looked up here, by its code or by its official name
("Incoming Commitment", "Funding", ...): the export never carries a code of its own, and a
code that is not in its list is refused (CodelistError) rather than written. The files
are those of `reports/iati/reference/` (an unmodified copy of ../shared/iati/), or of the
folder the IATI_REFERENCE_DIR setting names.
"""

import datetime
import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from lxml import etree

VENDORED_DIR = Path(__file__).resolve().parent / "reference"


class CodelistError(LookupError):
    """A code, or a name, that its official codelist does not hold."""


def reference_dir() -> Path:
    """The folder holding schema/, codelists/ and rulesets/."""
    return Path(getattr(settings, "IATI_REFERENCE_DIR", None) or VENDORED_DIR)


def safe_parser() -> etree.XMLParser:
    """No network, no entity expansion: reference files and exports are data, not code."""
    return etree.XMLParser(no_network=True, resolve_entities=False)


@dataclass(frozen=True)
class Codelist:
    name: str
    # code -> its English name, in the file's order.
    names: dict[str, str]

    def __contains__(self, code: object) -> bool:
        return code in self.names

    def check(self, code: str) -> str:
        """`code` itself, if the list holds it."""
        if code not in self.names:
            raise CodelistError(f"{code!r} is not a code of the IATI {self.name} codelist.")
        return code

    def code_named(self, name: str) -> str:
        """The code whose official name is `name` (case-insensitive)."""
        wanted = name.casefold()
        for code, label in self.names.items():
            if label.casefold() == wanted:
                return code
        raise CodelistError(f"The IATI {self.name} codelist has no entry named {name!r}.")

    def name_of(self, code: str) -> str:
        return self.names[self.check(code)]


@functools.cache
def _load(path: Path) -> Codelist:
    tree = etree.parse(str(path), safe_parser())
    names = {}
    for item in tree.iter("codelist-item"):
        code = (item.findtext("code") or "").strip()
        label = item.find("name/narrative")
        names[code] = (label.text or "").strip() if label is not None else ""
    return Codelist(name=tree.getroot().get("name") or path.stem, names=names)


def codelist(name: str) -> Codelist:
    """The codelist `name` (e.g. "TransactionType"); CodelistError if its file is absent."""
    path = reference_dir() / "codelists" / f"{name}.xml"
    if not path.is_file():
        raise CodelistError(f"The IATI {name} codelist is not in {path.parent}.")
    return _load(path)


def code(list_name: str, name: str) -> str:
    """The code of `list_name` officially named `name`: code("TransactionType",
    "Incoming Funds")."""
    return codelist(list_name).code_named(name)


def sector_codelist_changed_at() -> datetime.datetime:
    """When the Sector codelist file last changed (the OECD updates it; it is refreshed
    from the IATI repository): its rows carry no time of their own."""
    path = reference_dir() / "codelists" / "Sector.xml"
    return datetime.datetime.fromtimestamp(int(path.stat().st_mtime), tz=datetime.UTC)


@dataclass(frozen=True)
class Mapping:
    """One line of mapping.xml: which codelist the values at `path` belong to."""

    path: str
    codelist: str
    condition: str | None


@functools.cache
def _mappings(path: Path) -> tuple[Mapping, ...]:
    tree = etree.parse(str(path), safe_parser())
    return tuple(
        Mapping(
            path=node.findtext("path").strip(),
            codelist=node.find("codelist").get("ref"),
            condition=(node.findtext("condition") or "").strip() or None,
        )
        for node in tree.iter("mapping")
    )


def mappings() -> tuple[Mapping, ...]:
    """Every XPath -> codelist mapping of the Standard (codelists/mapping.xml)."""
    return _mappings(reference_dir() / "codelists" / "mapping.xml")
