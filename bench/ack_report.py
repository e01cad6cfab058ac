"""The Markdown report of `bench/ack.py`: one table per backend, the bot's ratios, the targets."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ack_load import Level, Measured

BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
FLOOR_ROW = "floor + row"


def _rows() -> list[tuple[str, Callable[[Measured], str]]]:
    def at(clients: int, what: Callable[[Level], str]) -> Callable[[Measured], str]:
        return lambda m: what(m.levels[clients]) if clients in m.levels else "-"

    rows: list[tuple[str, Callable[[Measured], str]]] = [
        ("ready: start to /healthz 200 (s)", lambda m: f"{m.ready_s:.2f}"),
        ("first command after the start (ms)", lambda m: f"{m.first_ms:.1f}"),
    ]
    for clients in (1, 8, 32):
        rows += [
            (f"p50, {clients} client{'s' if clients > 1 else ''} (ms)", at(clients, lambda v: f"{v.p(0.5):.2f}")),
            (f"p99, {clients} client{'s' if clients > 1 else ''} (ms)", at(clients, lambda v: f"{v.p(0.99):.1f}")),
            (f"req/s, {clients} client{'s' if clients > 1 else ''}", at(clients, lambda v: f"{v.rps:,.0f}")),
        ]
    for clients in (1, 8):
        rows += [
            (f"server CPU/request, request threads, {clients} cl. (ms)", at(clients, lambda v: f"{v.cpu_ms():.2f}")),
            (
                f"server CPU/request, whole process, {clients} cl. (ms)",
                at(clients, lambda v: f"{v.cpu_ms(whole=True):.2f}"),
            ),
        ]
    rows.append(("CPU/request by thread, 8 cl. (ms)", at(8, _by_thread)))
    rows.append(("failed (any level)", lambda m: str(sum(v.failed for v in m.levels.values()))))
    return rows


def _by_thread(level: Level) -> str:
    count = len(level.samples) or 1
    shares = sorted(level.cpu.by_thread.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {ns / count / 1e6:.2f}" for name, ns in shares if ns / count >= 10_000)


def table(runs: list[Measured]) -> list[str]:
    lines = ["| | " + " | ".join(m.name for m in runs) + " |", "|---|" + "---:|" * len(runs)]
    for label, value in _rows():
        lines.append(f"| {label} | " + " | ".join(value(m) for m in runs) + " |")
    return lines


def ratios(runs: list[Measured]) -> list[str]:
    floor = next((m for m in runs if m.name == FLOOR_ROW), None)
    bots = [m for m in runs if m.name.startswith("bot")]
    if floor is None or not bots:
        return []

    def ratio(bot: Measured, clients: int, value: Callable[[Level], float]) -> str:
        if clients not in bot.levels or clients not in floor.levels:
            return "-"
        return f"{value(bot.levels[clients]) / value(floor.levels[clients]):.2f}x"

    lines = [
        "| bot / floor + row | " + " | ".join(m.name for m in bots) + " |",
        "|---|" + "---:|" * len(bots),
        "| p50, 1 client | " + " | ".join(ratio(b, 1, lambda v: v.p(0.5)) for b in bots) + " |",
        "| req/s, 8 clients | " + " | ".join(ratio(b, 8, lambda v: v.rps) for b in bots) + " |",
        "| p99, 32 clients | " + " | ".join(ratio(b, 32, lambda v: v.p(0.99)) for b in bots) + " |",
        "| CPU/request, request threads, 8 clients | "
        + " | ".join(ratio(b, 8, lambda v: v.cpu_ms()) for b in bots)
        + " |",
    ]
    return lines


def targets(runs: list[Measured]) -> list[str]:
    named = {m.name: m for m in runs}
    floor, bot, slow = named.get(FLOOR_ROW), named.get("bot"), named.get("bot, Slack 200 ms")
    if floor is None or bot is None:
        return []
    checks = [
        ("note p50 at 1 client <= 2x floor + row", bot.levels[1].p(0.5), 2 * floor.levels[1].p(0.5), "ms"),
        ("req/s at 8 clients >= 600", 600.0, bot.levels[8].rps, "req/s"),
        ("CPU per note <= 2x floor + row (8 clients)", bot.levels[8].cpu_ms(), 2 * floor.levels[8].cpu_ms(), "ms"),
        ("first command after a start < 100 ms", bot.first_ms, 100.0, "ms"),
    ]
    if slow is not None:
        checks.append(("p99 at 32 clients < 100 ms, Slack at 200 ms", slow.levels[32].p(0.99), 100.0, "ms"))
    two = named.get("bot x2 processes")
    if two is not None:
        for clients in (8, 32):
            faster = f"two processes faster at {clients} clients"
            checks.append((faster, bot.levels[clients].rps, two.levels[clients].rps, "req/s"))
    lines = ["| target | measured | bound | met |", "|---|---:|---:|---|"]
    for label, small, large, unit in checks:
        shown = small if unit == "ms" else large
        bound = large if unit == "ms" else small
        lines.append(f"| {label} | {shown:,.1f} {unit} | {bound:,.1f} {unit} | {'yes' if small <= large else 'NO'} |")
    return lines


def paired(pairs: list[tuple[float, float]]) -> list[str]:
    """The p99 pairs at 32 clients (floor + row, then the bot with Slack at 200 ms), their ratios
    and the median ratio: the figure the target is read from."""
    if not pairs:
        return []
    median = statistics.median(bot / floor for floor, bot in pairs)
    lines = [
        "| p99 at 32 clients, in turn | floor + row (ms) | bot, Slack 200 ms (ms) | ratio |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| pair {n} | {floor:.1f} | {bot:.1f} | {bot / floor:.2f}x |" for n, (floor, bot) in enumerate(pairs, 1)]
    met = "met" if median <= 1.0 else "NOT met"
    lines.append(f"| median of {len(pairs)} | | | **{median:.2f}x** ({met}: <= 1.0x) |")
    return lines


def report(
    results: dict[str, list[Measured]],
    *,
    seconds: float,
    load_before: str,
    pairs: dict[str, list[tuple[float, float]]] | None = None,
) -> str:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), platform.processor())
    cpus = sum(1 for line in info if line.startswith("processor"))
    lines = [
        "# Acknowledgement benchmark (bench/ack.py)",
        "",
        f"- {cpu}, {cpus} CPUs; Python {platform.python_version()}; load average before the run {load_before}",
        f"- {seconds:g} s measured per client count, after a warm-up; latencies in ms from the client",
        "",
    ]
    for backend, runs in results.items():
        lines += [f"## {BACKENDS[backend]}", "", *table(runs), "", *ratios(runs), "", *targets(runs), ""]
        lines += [*paired((pairs or {}).get(backend, [])), ""]
    return "\n".join(lines)
