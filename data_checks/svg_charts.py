"""Small inline SVG charts (bars by day, status breakdown) for self-contained HTML: no scripts, no CDN."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 36


def day_bars(title: str, labels: list[str], values: list[float], color: str = "#3b6ea5", money: bool = False) -> str:
    """Vertical bars, one per day, with the largest value and the first/last day labelled."""
    if not values:
        return _frame(title, f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no data</text>')
    top = max(max(values), 1e-9)
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / len(values)
    bar_w = max(step * 0.8, 1.0)
    parts = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = inner_h * (value / top)
        x = PAD + i * step + (step - bar_w) / 2
        y = PAD + inner_h - h
        shown = f"{value:,.2f}" if money else f"{value:,.0f}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{escape(label)}: {shown}</title></rect>"
        )
    axis_y = PAD + inner_h
    parts.append(f'<line x1="{PAD}" y1="{axis_y}" x2="{WIDTH - PAD}" y2="{axis_y}" stroke="#888"/>')
    top_label = f"{top:,.2f}" if money else f"{top:,.0f}"
    parts.append(f'<text x="{PAD}" y="{PAD - 6}" font-size="11" fill="#555">max {top_label}</text>')
    parts.append(f'<text x="{PAD}" y="{axis_y + 16}" font-size="11" fill="#555">{escape(labels[0])}</text>')
    if len(labels) > 1:
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{axis_y + 16}" font-size="11" fill="#555" text-anchor="end">'
            f"{escape(labels[-1])}</text>"
        )
    return _frame(title, "".join(parts))


def status_bars(title: str, counts: dict[str, int], colors: dict[str, str]) -> str:
    """Horizontal bars, one per status, with its count."""
    rows = list(counts.items())
    if not rows:
        return _frame(title, f'<text x="{PAD}" y="{PAD + 14}" font-size="12" fill="#555">no data yet</text>', 72)
    height = PAD + 26 * max(len(rows), 1) + 10
    top = max([n for _, n in rows] + [1])
    label_w, inner_w = 170, WIDTH - 170 - 70
    parts = []
    for i, (status, n) in enumerate(rows):
        y = PAD + i * 26
        w = inner_w * n / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 14}" font-size="12" text-anchor="end">{escape(status)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="18" fill="{colors.get(status, "#999")}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 14}" font-size="12">{n:,}</text>'
        )
    return _frame(title, "".join(parts), height)


def _frame(title: str, body: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<text x="{PAD}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>{body}</svg>'
    )
