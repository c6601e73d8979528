"""The figures of one run, the targets they are held to, and the markdown that shows both.

Standard library only: the template's tests build a Report from made-up results.
"""

import contextlib
import datetime
import os
import platform
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CEILING = "bare WSGI app (ceiling)"
TEMPLATE = "template"
# The template with preload_app off, the gunicorn setting it turns on: a replaced worker then
# imports Django while requests queue for it (the tail it removes shows on /healthz).
NOT_PRELOADED = "template, no preload_app"
DEFAULTS = "Django defaults"
# Django's handler with no middleware (bench_defaults/floor_settings.py): as fast as anything
# served through Django can be on the machine, so no target of the template can ask for more.
FLOOR = "Django's handler alone (floor)"
# The template behind the project's own nginx.conf: its micro-cache answers public pages.
EDGE = "template behind nginx (micro-cache)"

HEALTHZ = "/healthz"
HIT = "products list, cache hit"
MISS = "products list, cache miss"
AUTHENTICATED = "products list, authenticated"
DETAIL = "product detail"
ORDERS = "orders list (own)"
STATS = "category stats, cached"
PLACE = "place an order, 5 hot products"
EDGE_HIT = "products list, anonymous, through nginx"
REVALIDATED = "products list, revalidated (304)"
PLACE_KEYED = "place an order with an Idempotency-Key"

# The defaults cache nothing: their one products list stands for every products row.
DEFAULTS_RUN = {HIT: MISS, AUTHENTICATED: MISS}
FLOOR_LABEL = {HIT: "Django's handler and one Redis GET (floor)"}
DEFAULTS_LABEL = {
    HIT: "Django defaults (no cache)",
    STATS: "Django defaults (no cache)",
    PLACE: "Django defaults (save() per item)",
}
ROWS = [
    (HEALTHZ, (CEILING, FLOOR, TEMPLATE, NOT_PRELOADED, DEFAULTS)),
    (EDGE_HIT, (EDGE,)),
    (HIT, (FLOOR, TEMPLATE, DEFAULTS)),
    (REVALIDATED, (TEMPLATE,)),
    *((endpoint, (TEMPLATE, DEFAULTS)) for endpoint in (MISS, AUTHENTICATED, DETAIL)),
    *((endpoint, (TEMPLATE, DEFAULTS)) for endpoint in (ORDERS, STATS, PLACE)),
    (PLACE_KEYED, (TEMPLATE,)),
]
# The edge is driven harder than the servers behind it: nginx answers far more per connection.
EDGE_CONNECTIONS = 64


def markdown_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 1
) -> str:
    """A markdown table: the first `text_columns` left-aligned, the figures right-aligned."""
    widths = [max(len(str(row[i])) for row in [columns, *rows]) for i in range(len(columns))]

    def line(cells) -> str:
        padded = [
            str(cell).ljust(widths[i]) if i < text_columns else str(cell).rjust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * width if i < text_columns else "-" * (width - 1) + ":"
        for i, width in enumerate(widths)
    ]
    return "\n".join([line(columns), line(rule), *(line(row) for row in rows)])


def describe_machine() -> str:
    cpu = platform.machine()
    with contextlib.suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GB RAM"
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def figure(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


@dataclass
class Check:
    label: str
    value: float | None
    target: str  # as shown, e.g. ">= 12"; "" for a figure reported without a target
    ok: bool | None  # None: not measured, or no target

    @property
    def result(self) -> str:
        if not self.target:
            return "-"
        if self.value is None:
            return "not measured"
        return "met" if self.ok else "missed"


class Report:
    def __init__(self, connections: int = 16):
        self.connections = connections
        # (server, endpoint) -> one per round
        self.results: dict[tuple[str, str], list] = defaultdict(list)
        self.cpu_ms: dict[tuple[str, str], list[float]] = defaultdict(list)
        # (server, endpoint) -> orders placed per second, one per round
        self.placed: dict[tuple[str, str], list[float]] = defaultdict(list)
        # (server, endpoint) -> units sold beyond what the stock lost, over every round
        self.oversold: dict[tuple[str, str], int] = defaultdict(int)
        self.queries: dict[tuple[str, str], int] = {}
        self.claims: list[dict] = []

    def add(self, server: str, endpoint: str, result, cpu_seconds: float) -> None:
        self.results[server, endpoint].append(result)
        if result.requests:
            self.cpu_ms[server, endpoint].append(cpu_seconds * 1000 / result.requests)

    def add_orders(
        self, server: str, endpoint: str, placed: int, seconds: float, oversold: int
    ) -> None:
        """An orders run: `placed` orders answered with success in `seconds`, and the units
        oversold (sold beyond what the stock lost) once the orders in flight were written."""
        self.placed[server, endpoint].append(placed / seconds if seconds else 0.0)
        self.oversold[server, endpoint] += oversold

    # --- figures ---

    def per_round(self, key: tuple[str, str], base: tuple[str, str]) -> float | None:
        """Median over rounds of rps(key) / rps(base), each ratio within one round."""
        pairs = zip(self.results.get(key, []), self.results.get(base, []), strict=False)
        return median(
            [a.requests_per_second / b.requests_per_second for a, b in pairs if b.requests]
        )

    def p99(self, key: tuple[str, str]) -> float | None:
        return median([r.p99_ms for r in self.results.get(key, [])])

    def claim(self, claim: str, variant: str) -> float | None:
        """Seconds of an in-process claim."""
        found = [
            c["seconds"] for c in self.claims if (c["claim"], c["variant"]) == (claim, variant)
        ]
        return found[0] if found else None

    def placed_ratio(self, key: tuple[str, str], base: tuple[str, str]) -> float | None:
        pairs = zip(self.placed.get(key, []), self.placed.get(base, []), strict=False)
        return median([a / b for a, b in pairs if b])

    # --- targets ---

    def checks(self) -> list[Check]:
        checks = []

        def check(label, value, target="", passed=None):
            ok = None if value is None or passed is None else passed(value)
            checks.append(Check(label, value, target, ok))

        check(
            f"{EDGE_HIT}, fraction of the ceiling",
            self.per_round((EDGE, EDGE_HIT), (CEILING, HEALTHZ)),
            ">= 3",
            lambda v: v >= 3,
        )
        check(
            f"{EDGE_HIT}, p99 at {EDGE_CONNECTIONS} connections (ms)",
            self.p99((EDGE, EDGE_HIT)),
            "< 20",
            lambda v: v < 20,
        )
        check(
            f"{REVALIDATED}, fraction of the ceiling",
            self.per_round((TEMPLATE, REVALIDATED), (CEILING, HEALTHZ)),
            ">= 0.3",
            lambda v: v >= 0.3,
        )
        check(
            f"{REVALIDATED}, SQL queries",
            self.queries.get((TEMPLATE, REVALIDATED)),
            "0",
            lambda v: v == 0,
        )
        for endpoint in (MISS, AUTHENTICATED):
            check(
                f"{endpoint}, times the defaults",
                self.per_round((TEMPLATE, endpoint), (DEFAULTS, MISS)),
                ">= 10",
                lambda v: v >= 10,
            )
            check(
                f"{endpoint}, p99 at {self.connections} connections (ms)",
                self.p99((TEMPLATE, endpoint)),
                "< 100",
                lambda v: v < 100,
            )
        page = self.claim("the products list in-process", "cache miss")
        check(
            "products list from the database, one thread (ms per page of 20)",
            None if page is None else page * 1000,
            "<= 3",
            lambda v: v <= 3,
        )
        # Served by Django, these are bounded by its floor (below each): the edge is the
        # answer for public pages, above.
        check(
            f"{HIT}, fraction of the ceiling",
            self.per_round((TEMPLATE, HIT), (CEILING, HEALTHZ)),
        )
        check(
            "... its floor: Django's handler and one Redis GET",
            self.per_round((FLOOR, HIT), (CEILING, HEALTHZ)),
        )
        check(
            "/healthz, fraction of the ceiling",
            self.per_round((TEMPLATE, HEALTHZ), (CEILING, HEALTHZ)),
        )
        check(
            "... its floor: Django's handler alone",
            self.per_round((FLOOR, HEALTHZ), (CEILING, HEALTHZ)),
        )
        check(
            f"/healthz, p99 at {self.connections} connections (ms)",
            self.p99((TEMPLATE, HEALTHZ)),
            "< 50",
            lambda v: v < 50,
        )
        check(
            "orders placed per second, times the save()-per-item view",
            self.placed_ratio((TEMPLATE, PLACE), (DEFAULTS, PLACE)),
        )
        check(
            "orders placed with an Idempotency-Key, fraction of those without",
            self.placed_ratio((TEMPLATE, PLACE_KEYED), (TEMPLATE, PLACE)),
            ">= 0.85",
            lambda v: v >= 0.85,
        )
        check(
            "units oversold by the template under contention",
            sum(self.oversold[TEMPLATE, e] for e in (PLACE, PLACE_KEYED))
            if (TEMPLATE, PLACE) in self.placed
            else None,
            "0",
            lambda v: v == 0,
        )
        template_runs = [
            r for (s, _), rs in self.results.items() if s in (TEMPLATE, EDGE) for r in rs
        ]
        check(
            "template requests answered with an error or lost",
            sum(r.failed for r in template_runs) if template_runs else None,
            "0",
            lambda v: v == 0,
        )
        return checks

    def exit_code(self, strict: bool) -> int:
        """1 when strict and a target is missed or was not measured; 0 otherwise."""
        return int(strict and any(c.target and c.ok is not True for c in self.checks()))

    # --- markdown ---

    def endpoints_table(self) -> str:
        rows = []
        for endpoint, servers in ROWS:
            for server in servers:
                run = DEFAULTS_RUN.get(endpoint, endpoint) if server == DEFAULTS else endpoint
                results = self.results.get((server, run))
                if not results:
                    continue
                label = {DEFAULTS: DEFAULTS_LABEL, FLOOR: FLOOR_LABEL}.get(server, {}).get(
                    endpoint, server
                )
                defaults = (DEFAULTS, DEFAULTS_RUN.get(endpoint, endpoint))
                queries = self.queries.get((server, run))
                rows.append(
                    [
                        endpoint,
                        label,
                        figure(median([r.requests_per_second for r in results])),
                        figure(median([r.p50_ms for r in results]), 1),
                        figure(median([r.p99_ms for r in results]), 1),
                        figure(median(self.cpu_ms.get((server, run), [])), 2),
                        "-" if queries is None else str(queries),
                        figure(self.per_round((server, run), (CEILING, HEALTHZ)), 2),
                        "-"
                        if server != TEMPLATE
                        else figure(self.per_round((server, run), defaults), 2),
                        f"{sum(r.failed for r in results):,}",
                    ]
                )
        columns = ["endpoint", "server", "requests/s", "p50 ms", "p99 ms"]
        columns += ["server CPU ms/request", "queries/request", "× ceiling", "× defaults"]
        return markdown_table([*columns, "errors"], rows, text_columns=2)

    def orders_table(self) -> str:
        rows = [
            [
                DEFAULTS_LABEL[PLACE] if server == DEFAULTS else server,
                endpoint,
                figure(median(self.placed[server, endpoint]), 0),
                f"{self.oversold[server, endpoint]:,}",
            ]
            for server, endpoint in ((TEMPLATE, PLACE), (TEMPLATE, PLACE_KEYED), (DEFAULTS, PLACE))
            if self.placed.get((server, endpoint))
        ]
        columns = ["server", "orders", "orders placed/s", "units oversold"]
        return markdown_table(columns, rows, text_columns=2)

    def targets_table(self) -> str:
        rows = [
            [c.label, figure(c.value, 0 if isinstance(c.value, int) else 2), c.target or "-"]
            + [c.result]
            for c in self.checks()
        ]
        return markdown_table(["measure", "measured", "target", "result"], rows)

    def claims_table(self) -> str:
        groups: dict[str, list[dict]] = defaultdict(list)
        for claim in self.claims:
            groups[claim["claim"]].append(claim)
        rows = []
        for claim, members in groups.items():
            best = min(m["seconds"] for m in members)
            rows += [
                [
                    claim,
                    m["variant"],
                    f"{duration(m['seconds'])} per {m['unit']}",
                    "-" if m["queries"] is None else str(m["queries"]),
                    f"{m['seconds'] / best:.1f}×",
                ]
                for m in members
            ]
        columns = ["claim", "variant", "measured", "queries", "cost vs best"]
        return markdown_table(columns, rows, text_columns=2)

    def markdown(self, setup: str) -> str:
        """The whole result; `setup` says how the run was made (machine, servers, versions)."""
        today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
        text = f"""## Benchmark results ({today})

{setup}

### Endpoints

{self.endpoints_table()}

Medians over the rounds; "× ceiling" and "× defaults" are ratios of requests/s taken within
each round, then their median. "server CPU" is the CPU time of the gunicorn master and its
workers over the run, divided by the requests served: unlike requests/s, it barely depends on
what else the machine runs. Queries per request are counted in-process (Django's test client)
on the same database. The cache miss sends a parameter the view does not read (`?nocache=`),
which the app answers from the database without storing it. The authenticated list
authenticates, then reads the same stored page. The revalidation sends the page's current ETag in If-None-Match. Every request carries
an X-Forwarded-For of its own, as from many clients, and an X-Request-ID, as nginx adds. wrk
talks to gunicorn directly, except through nginx: the project's own nginx.conf in front of the
template, at {EDGE_CONNECTIONS} connections, its anonymous rate limit lifted. The floor is
Django's handler with no middleware at all (bench/defaults/bench_defaults/floor_settings.py),
answering /healthz, and a products page with the bytes of one Redis GET: nothing served through
Django, the template included, can go above it.

### Orders under contention

{self.orders_table()}

Each order takes one unit of two of the same 5 products, from 4 users; each run starts from
ample stock, so an order is refused only by a fault. "units oversold" is, over every run, the
units on placed orders minus the stock those products lost: a lost update shows there.

### Targets

{self.targets_table()}
"""
        if self.claims:
            text += f"""
### Claims, in-process

{self.claims_table()}

Medians of single-threaded repetitions in one Python process, on the same database (trust
authentication over local TCP: a connection costs less here than with TLS and SCRAM).
"""
        return text
