"""How the code is layered (docs/architecture.md): the domain is pure; the Slack layer never touches
SQL; storage only stores; the outbox (bot/outbox) is where Slack calls and its table meet and may use
both; one name per thing (no import aliases, no public class name twice)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent / "bot"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_under(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.py"))


@pytest.mark.parametrize("path", modules_under("domain"), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library_and_itself(path: Path) -> None:
    for module in imported_modules(path):
        top = module.split(".")[0]
        allowed = (
            top in sys.stdlib_module_names or module.startswith(("bot.domain", "bot.errors")) or top == "__future__"
        )
        assert allowed, f"{path.name} imports {module}"


@pytest.mark.parametrize("path", modules_under("render"), ids=lambda p: p.name)
def test_rendering_imports_only_the_domain_and_the_standard_library(path: Path) -> None:
    """bot/render turns domain values into what people read; the outbox, the listeners and the
    status page use it, so it may reach nothing above the domain (no Slack client, no storage, no
    service). markupsafe escapes the status page's HTML views by construction (public_views.py)."""
    for module in imported_modules(path):
        top = module.split(".")[0]
        allowed = (
            top in sys.stdlib_module_names
            or top in ("__future__", "markupsafe")
            or module.startswith(("bot.domain", "bot.render"))
        )
        assert allowed, f"render/{path.name} imports {module}"


@pytest.mark.parametrize("path", sorted((ROOT / "outbox").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_outbox_never_imports_the_bolt_layer(path: Path) -> None:
    """bot/slack (Bolt listeners, runner, app) sits above the services that record outbox work, so
    the outbox below it renders through bot/render, never through bot/slack."""
    for name in imported_names(path):
        assert not name.startswith("bot.slack"), f"bot/{path.relative_to(ROOT)} imports {name}"


@pytest.mark.parametrize("path", modules_under("slack"), ids=lambda p: p.name)
def test_the_slack_layer_never_imports_sql(path: Path) -> None:
    for module in imported_modules(path):
        assert not module.startswith(("sqlmodel", "sqlalchemy", "bot.storage")), f"{path.name} imports {module}"


@pytest.mark.parametrize("path", modules_under("intake"), ids=lambda p: p.name)
def test_the_alert_endpoints_read_and_call_the_service_without_sql_or_slack(path: Path) -> None:
    """bot/intake is an inbound adapter like bot/slack, beside it: it reads what senders post and
    calls the alert service; it never touches SQL, the outbox or anything of Slack's."""
    for module in imported_modules(path):
        top = module.split(".")[0]
        assert top not in ("slack_sdk", "slack_bolt", "sqlmodel", "sqlalchemy"), f"intake/{path.name} imports {module}"
        assert not module.startswith(("bot.storage", "bot.outbox", "bot.slack")), f"intake/{path.name} imports {module}"


@pytest.mark.parametrize("path", modules_under("storage"), ids=lambda p: p.name)
def test_storage_only_stores_and_never_decides_what_slack_should_do(path: Path) -> None:
    """Slack work is recorded by the service through bot.outbox, which may use storage, not the reverse."""
    for module in imported_modules(path):
        top = module.split(".")[0]
        assert top not in ("slack_sdk", "slack_bolt"), f"storage/{path.name} imports {module}"
        assert not module.startswith(("bot.outbox", "bot.slack", "bot.service")), (
            f"storage/{path.name} imports {module}"
        )


# A kind of Slack work (bot/outbox/kinds/) says what it stores and sends, with the outbox's shared
# helpers and the renderings of bot/render; it never reaches the table or the sender (the registry
# finds it), another kind, Bolt's listeners or the service.
KIND_MAY_IMPORT = (
    "bot.domain",
    "bot.errors",
    "bot.config",
    "bot.outbox.effect",
    "bot.outbox.results",
    "bot.outbox.slack_calls",
    "bot.outbox.attempts",
    "bot.outbox.failures",
    "bot.outbox.view.IncidentView",  # what the sender read; a result completes it (bot.outbox.ahead)
    "bot.render",
    "bot.storage.repository",
    "bot.storage.drafts",
    "bot.storage.links",
    "bot.storage.reminder_messages",
    "bot.storage.pages",  # what a page's direct message brought back (page.send)
    "bot.storage.alerts",  # a triage message's ts, kept with its group
    "bot.storage.home",  # the digest of the App Home view published (home.publish)
    "bot.storage.announcements",  # an announcement's ts, withdrawn if the incident is made private
    "bot.storage.left_channels",  # the public channel a private incident moved out of (channel.move)
)


def imported_names(path: Path) -> set[str]:
    """Every module or name imported, dotted in full (`from bot.render import blocks`: bot.render.blocks)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("path", modules_under("outbox/kinds"), ids=lambda p: p.name)
def test_a_kind_of_slack_work_imports_only_what_it_renders_and_the_outbox_helpers(path: Path) -> None:
    for name in imported_names(path):
        if name.split(".")[0] == "bot":
            allowed = any(name == prefix or name.startswith(f"{prefix}.") for prefix in KIND_MAY_IMPORT)
            assert allowed, f"outbox/kinds/{path.name} imports {name}"


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_entry_points_read_the_environment(path: Path) -> None:
    entry_points = {"cli.py", "wsgi.py", "logs.py", "env.py", "startup.py", "gunicorn_config.py"}
    if path.name in entry_points:
        return
    text = path.read_text()
    assert "os.environ" not in text and "getenv(" not in text, f"{path} reads the environment"


EMULATOR = ROOT.parent / "slack_emulator"
# The only parts of the product that may start the offline Slack: the demo and the sandbox it and
# the tests run in. Everything else talks to Slack only through slack_sdk.
MAY_USE_THE_EMULATOR = {"demo.py", "sandbox.py"}


@pytest.mark.parametrize("path", sorted(EMULATOR.rglob("*.py")), ids=lambda p: str(p.relative_to(EMULATOR)))
def test_the_emulator_imports_nothing_of_the_bot(path: Path) -> None:
    for module in imported_modules(path):
        assert module.split(".")[0] != "bot", f"slack_emulator/{path.name} imports {module}"


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_demo_and_the_sandbox_reach_the_emulator(path: Path) -> None:
    if path.relative_to(ROOT).as_posix() in MAY_USE_THE_EMULATOR:
        return
    for module in imported_modules(path):
        assert module.split(".")[0] != "slack_emulator", f"bot/{path.relative_to(ROOT)} imports {module}"


# Each package is layered by rooms: a room is a top-level module of the package or one of its
# folders (bot/service.py, bot/outbox/, ...). Imports between rooms run down the layers only, so no
# room reaches back into one that imports it, even through others (docs/architecture.md).
def room_imports(package: Path) -> dict[tuple[str, str], list[str]]:
    """(room, a room it imports): the imports that tie them, each as 'file imports module'. Every
    import counts, inside a function or under TYPE_CHECKING too."""
    rooms = {path.stem for path in package.glob("*.py") if path.stem != "__init__"}
    rooms |= {path.name for path in package.iterdir() if (path / "__init__.py").exists()}
    ties: dict[tuple[str, str], list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        room = path.relative_to(package).parts[0].removesuffix(".py")
        if room not in rooms:
            continue
        here = path.relative_to(package.parent).with_suffix("").parts
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from this file's package up
                    base = ".".join(here[: len(here) - node.level] + ((node.module,) if node.module else ()))
                else:
                    base = node.module or ""
                # `from bot import service` takes the room bot.service; `from bot.outbox import store`, bot.outbox
                modules = [f"{base}.{alias.name}" for alias in node.names] if base == package.name else [base]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == package.name and len(parts) > 1 and parts[1] in rooms and parts[1] != room:
                    ties.setdefault((room, parts[1]), []).append(f"{path.relative_to(package.parent)} imports {module}")
    return ties


def circles(ties: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """The groups of rooms that reach each other through their imports (more than one room each)."""
    imports: dict[str, set[str]] = {}
    for room, other in ties:
        imports.setdefault(room, set()).add(other)
        imports.setdefault(other, set())
    reached: dict[str, set[str]] = {}
    for room in imports:
        reached[room] = {room}
        todo = [room]
        while todo:
            for other in imports[todo.pop()] - reached[room]:
                reached[room].add(other)
                todo.append(other)
    found: list[list[str]] = []
    for room in sorted(imports):
        circle = sorted(other for other in reached[room] if room in reached[other])
        if len(circle) > 1 and circle not in found:
            found.append(circle)
    return found


@pytest.mark.parametrize("package", [ROOT, EMULATOR], ids=lambda p: p.name)
def test_no_room_imports_a_room_that_imports_it(package: Path) -> None:
    ties = room_imports(package)
    said = []
    for circle in circles(ties):
        within = [where for pair, found in sorted(ties.items()) if {*pair} <= {*circle} for where in found]
        said.append(f"{', '.join(circle)} import each other: " + "; ".join(within))
    assert not said, "\n".join(said)


# One vocabulary: a module or a name of the bot is imported under its own name, so a reader meets
# one name per thing. Outside names may be renamed only where the library's convention does it or
# two of its names clash, one by one below; a new alias is a decision made here.
OUTSIDE_ALIASES = {
    ("sqlalchemy", "sa"),  # Alembic's convention in migrations
    ("sqlalchemy.dialects.postgresql.insert", "pg_insert"),  # the two dialects' `insert`
    ("sqlalchemy.dialects.sqlite.insert", "sqlite_insert"),
    ("random", "random_module"),  # a field named `random` takes the function
}


# The outbox sender and its view still use the old aliases; they are moving to bot/outbox in a
# parallel change that imports them plainly. Listed by path so that the move breaks this line.
def aliases(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, alias.asname) for alias in node.names if alias.asname]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found += [(f"{module}.{alias.name}", alias.asname) for alias in node.names if alias.asname]
    return found


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_is_imported_under_another_name(path: Path) -> None:
    for name, alias in aliases(path):
        assert (name, alias) in OUTSIDE_ALIASES, f"bot/{path.relative_to(ROOT)} imports {name} as {alias}"


def test_no_two_public_classes_share_a_name() -> None:
    """A class name means one thing across the bot (a parsed command is not a stored draft)."""
    homes: dict[str, list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                homes.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    shared = {name: where for name, where in homes.items() if len(where) > 1}
    assert not shared, f"public classes defined more than once: {shared}"


@pytest.mark.parametrize("path", modules_under("status_page"), ids=lambda p: p.name)
def test_the_status_page_reads_only_published_updates_and_never_reaches_slack(path: Path) -> None:
    """The public side reads through bot.storage.public (published updates of listed incidents) and
    bot.storage.history (component impacts of listed public incidents), never the repository
    (titles, timelines, people), and never Slack, the outbox or the service."""
    tree = ast.parse(path.read_text(), filename=str(path))
    from_storage = {
        f"bot.storage.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "bot.storage"
        for alias in node.names
    }
    for module in imported_modules(path) | from_storage:
        top = module.split(".")[0]
        assert top not in ("slack_sdk", "slack_bolt"), f"status_page/{path.name} imports {module}"
        assert not module.startswith(("bot.slack", "bot.outbox", "bot.service", "bot.drafts")), (
            f"status_page/{path.name} imports {module}"
        )
        if module.startswith("bot.storage"):
            assert module in ("bot.storage", "bot.storage.public", "bot.storage.history", "bot.storage.db"), (
                f"status_page/{path.name} imports {module}"
            )


def private_names_used(path: Path) -> list[str]:
    """Names starting with `_` this module takes from another module of the bot: imported
    (`from bot.storage.repository import _stored`), or read off an imported module (`repository._stored`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    imported: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bot":
            for alias in node.names:
                imported.add(alias.asname or alias.name)
                if alias.name.startswith("_"):
                    found.append(f"{node.module}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in imported:
            if node.attr.startswith("_") and not node.attr.startswith("__"):
                found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_modules_private_names_stay_in_it(path: Path) -> None:
    """What two modules share is a public name of its own module (e.g. `bot.storage.sql.core`),
    not a private name of one imported by the other."""
    assert private_names_used(path) == [], f"bot/{path.relative_to(ROOT)} uses another module's private names"


MODULE_LINES_MAX = 400
SOURCES = sorted(
    path
    for folder in (ROOT, EMULATOR)
    for path in folder.rglob("*.py")
    if "migrations" not in path.relative_to(folder).parts
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    """A module holds one concept; past 400 lines it holds several (migrations aside)."""
    name = path.relative_to(ROOT.parent).as_posix()
    lines = len(path.read_text().splitlines())
    assert lines <= MODULE_LINES_MAX, f"{name} has {lines} lines: split it by concept"


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_an_incident_s_name_is_written_only_by_format_name(path: Path) -> None:
    """`INC-7` is spelled in one place (bot.domain.incident.format_name), so it can change in one."""
    if path.relative_to(ROOT).as_posix() == "domain/incident.py":
        return
    assert "INC-{" not in path.read_text(), f"bot/{path.relative_to(ROOT)} writes INC-n itself: use format_name"


# What Bolt can hand a listener raw: a listener takes the typed request the reading middleware
# left in its context instead (bot.slack.shapes), so none indexes a payload Slack may have garbled.
RAW_PAYLOAD_ARGUMENTS = {"body", "payload", "event", "action", "view", "shortcut", "command", "message", "options"}


@pytest.mark.parametrize("path", modules_under("slack"), ids=lambda p: p.name)
def test_no_slack_listener_is_handed_a_raw_payload(path: Path) -> None:
    """Every module of bot/slack that registers listeners (listeners.py, declaring.py, ...)."""
    tree = ast.parse(path.read_text())
    handed: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or not node.decorator_list:
            continue
        decorators = [ast.unparse(decorator) for decorator in node.decorator_list]
        if decorators == ["app.middleware"] and node.name == "read_request":
            continue  # the reading middleware itself
        if decorators == ["app.error"]:
            continue  # the app's last resort: it logs the body's type only
        raw = RAW_PAYLOAD_ARGUMENTS & {argument.arg for argument in node.args.args + node.args.kwonlyargs}
        handed += [f"{node.name} takes {name}" for name in sorted(raw)]
    assert not handed, handed
