"""The table every benchmark prints: figure, value, floor, ratio, target."""

from __future__ import annotations

import math
from typing import Any


def row(
    name: str, value: float, unit: str, floor: float, target: str, ok: bool | None
) -> dict[str, Any]:
    """A measured figure against its floor (ratio NaN without a floor)."""
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "floor": floor,
        "ratio": value / floor if floor else float("nan"),
        "target": target,
        "ok": ok,
    }


def _fmt(value: Any, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        text = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text} {unit}".strip()


def table(rows: list[dict[str, Any]]) -> str:
    """The rows (and ``{"section": title}`` headings) as aligned text."""
    head = ["figure", "value", "floor", "ratio", "target", ""]
    body = []
    for r in rows:
        if "section" in r:
            body.append([f"[{r['section']}]", "", "", "", "", ""])
            continue
        ok, ratio = r.get("ok"), r.get("ratio")
        body.append(
            [
                r["name"],
                _fmt(r.get("value"), r.get("unit", "")),
                _fmt(r.get("floor"), r.get("unit", "")),
                "-" if ratio is None or ratio != ratio else f"{ratio:.2f}",  # None or NaN
                str(r.get("target") or ""),
                "" if ok is None else ("ok" if ok else "MISS"),
            ]
        )
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = []
    for line in [head, *body]:
        cells = [line[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(line[1:4], widths[1:4], strict=True)]
        cells += [line[4].ljust(widths[4]), line[5]]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * max(len(x) for x in lines))
    return "\n".join(lines)
