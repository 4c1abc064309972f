"""The house's layers, read from the code's own imports: nothing imports a higher layer,
no modules import each other in a circle, the pages and the API meet only in service/http."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# lowest first; a module may import its own layer and the ones before it
LAYERS = [
    ("domain", ["service.domain"]),
    (
        "infrastructure",
        [
            "service.config",
            "service.logs",
            "service.messages",
            "service.catalogue",
            "service.ooxml",
            "service.xlsx",
            "service.blobs",
            "service.storage",
            "service.event_recorder",
        ],
    ),
    (
        "services and read side",
        [
            "service.accounts",
            "service.security_log",
            "service.editions",
            "service.tailoring",
            "service.health",
            "service.auth",
            "service.projections",
            "service.views",
            "service.change_report_views",
            "service.mailer",
        ],
    ),
    ("use cases", ["service.usecases"]),
    ("composition root", ["service.bootstrap"]),
    ("http", ["service.http"]),
    ("pages and API", ["service.web", "service.api"]),
    ("processes", ["service.app", "service.demo", "service.maintenance", "service.projector", "jobs"]),
    ("command line", ["service.__main__"]),
]
PURE_DOMAIN_MAY_IMPORT = {"eventsourcing.domain"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    files = [*ROOT.glob("service/**/*.py"), *ROOT.glob("jobs/**/*.py")]
    return {module_name(path): path for path in files}


def imports_of(name: str, path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (imports inside functions count too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else (base if node.level else node.module)
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # `from . import x` names a module
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {}
    for name, path in known.items():
        edges[name] = {target for target in imports_of(name, path) if target in known and target != name}
    return edges


def area(module: str) -> str:
    """The top package a module is in: ``service.web`` for ``service.web.errors``."""
    return ".".join(module.split(".")[:2])


def layer_of(module: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS in {__file__}"
    return best[0]


def test_every_module_belongs_to_a_layer():
    for module in modules():
        layer_of(module)


def test_no_import_runs_up_to_a_higher_layer():
    upward = [
        f"{source} ({LAYERS[layer_of(source)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for source, targets in graph().items()
        for target in targets
        if layer_of(target) > layer_of(source)
    ]
    assert upward == []


def test_pages_and_api_do_not_import_each_other():
    crossing = [
        f"{source} imports {target}"
        for source, targets in graph().items()
        for target in targets
        if {area(source), area(target)} == {"service.web", "service.api"}
    ]
    assert crossing == []


def test_no_modules_import_each_other_in_a_circle():
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    assert circles == []


def test_the_domain_imports_no_framework():
    foreign = [
        f"{name} imports {target}"
        for name, path in modules().items()
        if name.startswith("service.domain")
        for target in imports_of(name, path)
        if not target.startswith(("service.domain", "__future__"))
        and target.split(".")[0] not in STDLIB
        and not target.startswith(tuple(PURE_DOMAIN_MAY_IMPORT))
    ]
    assert foreign == []


STDLIB = {
    "abc", "collections", "copy", "dataclasses", "datetime", "decimal", "enum", "functools", "hashlib", "itertools",
    "json", "math", "operator", "pickle", "re", "string", "typing", "unicodedata", "uuid", "zoneinfo", "textwrap",
}
