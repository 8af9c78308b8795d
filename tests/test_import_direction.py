"""Apps point one way, so that the structure cannot drift again.

Bottom to top: ctportal (shared plumbing) < organisations < alerts < projects < donors,
workplans < reports. An app imports only the apps below it; donors and workplans are siblings and
never import each other. reports is the top-level read app: whatever joins several apps
(funding next to results, the home page's figures, the project page's workplan results,
the report figures, the audit log) lives there, and nothing imports it.

Every .py file of the apps is parsed (no import is executed), imports inside functions
included, since a late import is the usual way a cycle is hidden. A lookup by name
(apps.get_model, apps.get_app_config, import_module, import_string with a literal) counts
as an import: it is the same dependency, only hidden from the reader.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MAY_IMPORT: dict[str, frozenset[str]] = {
    "ctportal": frozenset(),
    "organisations": frozenset({"ctportal"}),
    # Alerts sit just above people: every app's use cases tell people through them.
    "alerts": frozenset({"ctportal", "organisations"}),
    "projects": frozenset({"ctportal", "organisations", "alerts"}),
    "donors": frozenset({"ctportal", "organisations", "alerts", "projects"}),
    "workplans": frozenset({"ctportal", "organisations", "alerts", "projects"}),
    "reports": frozenset(
        {"ctportal", "organisations", "alerts", "projects", "donors", "workplans"}
    ),
}
APPS = tuple(MAY_IMPORT)

# ctportal's composition root: the modules that wire the apps into one site, so they
# import any app. Everything else in ctportal is plumbing and imports none of them.
COMPOSITION_ROOT = {
    "ctportal.urls": "the root URLconf mounts every app's pages",
    "ctportal.api.urls": "the API router registers every app's endpoints",
    "ctportal.settings": "settings name the apps (by string today)",
    "ctportal.celery": "the Celery app discovers every app's tasks",
    "ctportal.demo": "the demo loader fills every app through its services",
    "ctportal.management": "commands over the whole site: load_demo, backup, restore",
    "ctportal.scale": "scale data and the benchmark write and read every app's tables",
    "ctportal.context_processors": (
        "the menu: a link to each app's pages, shown by organisations.access's predicates"
    ),
}

# One import against the direction each, with the reason it is allowed. An app's URLconf
# may mount a view of reports so that a page keeps its address and URL name.
ALLOWED: dict[tuple[str, str], str] = {
    ("donors.urls", "reports.views_funding"): (
        "the funding dashboard sets money beside workplan results; it stays /funding/, "
        "donors:dashboard"
    ),
    ("projects.urls", "reports.views_project"): (
        "the project page shows workplan results; it stays /projects/<code>/, "
        "projects:project-detail"
    ),
}

# A dynamic lookup by name is an import of the app it names.
NAME_LOOKUPS = {"get_model", "get_app_config", "import_module", "import_string"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path) -> list[Path]:
    return sorted(
        path for app in APPS if (root / app).is_dir() for path in (root / app).rglob("*.py")
    )


def _looked_up(call: ast.Call) -> str | None:
    """The module a call such as apps.get_model("workplans", "Activity") reaches."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in NAME_LOOKUPS or not call.args:
        return None
    first = call.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    if name == "get_model":
        return first.value.split(".")[0]
    if name == "import_string":
        return first.value.rpartition(".")[0]
    return first.value


def imports_of(path: Path, module: str, modules: set[str]) -> list[tuple[int, str]]:
    """(line, module imported) for every import in the file, resolved to a module where
    `from package import name` names one."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")
                if not is_package:
                    package.pop()
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((node.lineno, submodule if submodule in modules else base))
        elif isinstance(node, ast.Call) and (target := _looked_up(node)):
            found.append((node.lineno, target))
    return found


def import_graph(root: Path) -> list[tuple[str, int, str, str]]:
    """(file, line, importer, imported) for every import of one of the apps."""
    files = {path: module_name(path, root) for path in source_files(root)}
    modules = set(files.values())
    edges = {}  # one per module a line imports, however many names it takes from it
    for path, module in files.items():
        for line, target in imports_of(path, module, modules):
            if target.split(".")[0] in APPS:
                edges[(str(path.relative_to(root)), line, module, target)] = None
    return list(edges)


def _composition_root(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in COMPOSITION_ROOT)


def _allowance(importer: str, imported: str) -> tuple[str, str] | None:
    for pair in ALLOWED:
        allowed_importer, allowed_imported = pair
        if importer == allowed_importer and (
            imported == allowed_imported or imported.startswith(allowed_imported + ".")
        ):
            return pair
    return None


def upward_imports(root: Path) -> list[str]:
    """Each import against the direction, as 'file:line importer -> imported'."""
    wrong = []
    for file, line, importer, imported in import_graph(root):
        source, target = importer.split(".")[0], imported.split(".")[0]
        if source == target or target in MAY_IMPORT[source]:
            continue
        if _composition_root(importer) or _allowance(importer, imported):
            continue
        below = ", ".join(sorted(MAY_IMPORT[source])) or "no app"
        wrong.append(f"{file}:{line} {importer} -> {imported} ({source} may import {below})")
    return wrong


def unused_allowances(root: Path) -> list[str]:
    used = {_allowance(importer, imported) for _, _, importer, imported in import_graph(root)}
    return [
        f"{importer} -> {imported}"
        for importer, imported in ALLOWED
        if (importer, imported) not in used
    ]


def import_cycles(root: Path) -> list[list[str]]:
    """Each group of one app's modules that import each other, directly or in a ring
    (a strongly connected component of more than one module), sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    modules = set()
    for _, _, importer, imported in import_graph(root):
        modules.add(importer)
        if importer.split(".")[0] == imported.split(".")[0] and importer != imported:
            graph[importer].add(imported)
    # Tarjan's algorithm, iterative so that a long chain cannot exhaust the stack.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components)


def test_apps_import_only_the_apps_below_them():
    wrong = upward_imports(ROOT)
    assert not wrong, "Imports against the direction:\n" + "\n".join(wrong)


def test_no_modules_of_one_app_import_each_other_in_a_cycle():
    cycles = import_cycles(ROOT)
    assert not cycles, "Import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_every_allowance_is_still_needed():
    assert unused_allowances(ROOT) == []


def test_the_composition_root_names_modules_that_exist():
    modules = {module_name(path, ROOT) for path in source_files(ROOT)}
    missing = [
        name
        for name in COMPOSITION_ROOT
        if not any(m == name or m.startswith(name + ".") for m in modules)
    ]
    assert missing == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_check_finds_upward_imports_lookups_by_name_and_cycles(tmp_path):
    _write(
        tmp_path,
        {
            "ctportal/__init__.py": "",
            "ctportal/urls.py": "from reports import views\n",
            "ctportal/views.py": "from donors.models import Agreement\n",
            "organisations/__init__.py": "",
            "organisations/access.py": "import ctportal.money\n",
            "projects/__init__.py": "",
            "projects/apis.py": (
                "from django.apps import apps\n\n"
                "def versions():\n"
                "    return apps.get_model('workplans', 'WorkplanVersion')\n"
            ),
            "donors/__init__.py": "",
            "donors/tables.py": (
                "from projects.models import Project\nfrom workplans import models\n"
            ),
            "workplans/__init__.py": "",
            "workplans/models.py": "",
            "reports/__init__.py": "",
            "reports/services.py": "def enqueue():\n    from reports.tasks import run\n",
            "reports/tasks.py": "from . import services\n",
            "reports/views.py": "from donors import tables\nfrom workplans.models import X\n",
        },
    )
    assert upward_imports(tmp_path) == [
        "ctportal/views.py:1 ctportal.views -> donors.models (ctportal may import no app)",
        "donors/tables.py:2 donors.tables -> workplans.models "
        "(donors may import alerts, ctportal, organisations, projects)",
        "projects/apis.py:4 projects.apis -> workplans "
        "(projects may import alerts, ctportal, organisations)",
    ]
    assert import_cycles(tmp_path) == [["reports.services", "reports.tasks"]]
