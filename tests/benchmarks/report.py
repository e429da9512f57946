"""Figures and how they are printed: one table per measurement, each row against its baseline."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Row:
    label: str  # e.g. "SQLite" or "customer"
    metric: str  # e.g. "throughput"
    unit: str  # e.g. "req/s"
    service: float
    baseline: float

    @property
    def ratio(self) -> float | None:
        return self.service / self.baseline if self.baseline else None


@dataclass
class Section:
    key: str  # create, latency, catchup, memory
    title: str
    method: list[str]  # how it was measured, one line each
    service_name: str = "service"
    baseline_name: str = "baseline"
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # findings, skips, caveats

    def add(self, label: str, metric: str, unit: str, service: float, baseline: float) -> None:
        self.rows.append(Row(label, metric, unit, service, baseline))

    def note(self, text: str) -> None:
        self.notes.append(text)


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1 or value == 0:
        return f"{value:.2f}"
    return f"{value:.2g}"


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    if ratio >= 0.1:
        return f"{ratio:.2f}x"
    return f"{ratio:.2g}x (1/{1 / ratio:,.0f})"  # e.g. 0.00066x (1/1,515)


def render(section: Section) -> str:
    lines = [section.title, "=" * len(section.title)]
    lines += [f"  {line}" for line in section.method]
    if section.rows:
        header = (
            "",
            "metric",
            section.service_name,
            section.baseline_name,
            f"{section.service_name} / {section.baseline_name}",
        )
        body = [
            (
                row.label,
                f"{row.metric} ({row.unit})",
                _number(row.service),
                _number(row.baseline),
                _ratio(row.ratio),
            )
            for row in section.rows
        ]
        widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]
        lines.append("")
        for i, cells in enumerate((header, *body)):
            left = [cells[0].ljust(widths[0]), cells[1].ljust(widths[1])]
            right = [c.rjust(w) for c, w in zip(cells[2:], widths[2:], strict=True)]
            lines.append("  " + "  ".join(left + right).rstrip())
            if i == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
    if section.notes:
        lines.append("")
        lines += [f"  * {note}" for note in section.notes]
    return "\n".join(lines)


def write_json(path: Path, machine: dict[str, Any], sections: list[Section]) -> None:
    document = {
        "machine": machine,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "method": s.method,
                "service": s.service_name,
                "baseline": s.baseline_name,
                "rows": [{**asdict(r), "ratio": r.ratio} for r in s.rows],
                "notes": s.notes,
            }
            for s in sections
        ],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
