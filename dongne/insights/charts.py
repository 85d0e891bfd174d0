"""Charts as inline SVG, drawn on the server: no script, no CDN, readable
without JavaScript and printable. Bars (with 95 % intervals and the number
behind each bar), lines, and the Lorenz curve against the line of equality."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from dongne.insights.engine import Chart
from dongne.kit.i18n import gettext

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 64
COLOURS = ["#ff6f0f", "#2f80ed", "#27ae60", "#9b51e0"]


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{100 * value:.0f}%"
    if abs(value) >= 10_000:
        return f"{value / 10_000:,.0f}만" if abs(value) >= 100_000 else f"{value / 10_000:.1f}만"
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"


def _top(chart: Chart) -> float:
    values = [v for s in chart.series for v in (s.high or s.values) if v is not None]
    values += [v for s in chart.series for v in s.values if v is not None]
    top = max(values, default=0.0)
    if chart.percent or chart.kind == "lorenz":
        return 1.0 if top <= 1.0 else top
    return top * 1.1 if top > 0 else 1.0


def render(chart: Chart) -> Markup:
    if not chart.labels:
        return Markup('<p class="muted">{}</p>').format(gettext("아직 데이터가 없어요."))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _top(chart)

    def y(v: float) -> float:
        return TOP + plot_h - (v / top) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(gettext(chart.y_label))}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i in range(5):  # grid and y axis labels
        v = top * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#666">{escape(_fmt(v, chart.percent or chart.kind == "lorenz"))}</text>'
        )
    n = len(chart.labels)
    if chart.kind == "bar":
        slot = plot_w / n
        width = slot * 0.7 / max(1, len(chart.series))
        for si, series in enumerate(chart.series):
            colour = COLOURS[si % len(COLOURS)]
            for i, value in enumerate(series.values):
                x = LEFT + slot * i + slot * 0.15 + width * si
                if value is not None:
                    parts.append(
                        f'<rect x="{x:.1f}" y="{y(value):.1f}" width="{width:.1f}" '
                        f'height="{max(0.0, TOP + plot_h - y(value)):.1f}" fill="{colour}">'
                        f"<title>{escape(chart.labels[i])}: "
                        f"{escape(_fmt(value, chart.percent))}</title></rect>"
                    )
                lo = series.low[i] if series.low else None
                hi = series.high[i] if series.high else None
                if lo is not None and hi is not None:
                    cx = x + width / 2
                    parts.append(
                        f'<path d="M{cx:.1f} {y(lo):.1f}V{y(hi):.1f}M{cx - 5:.1f} {y(lo):.1f}'
                        f'h10M{cx - 5:.1f} {y(hi):.1f}h10" stroke="#333" fill="none"/>'
                    )
        for i, label in enumerate(chart.labels):
            cx = LEFT + slot * (i + 0.5)
            parts.append(
                f'<text x="{cx:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                f'font-size="11">{escape(_short(label))}</text>'
            )
            if i < len(chart.notes) and chart.notes[i]:
                parts.append(
                    f'<text x="{cx:.1f}" y="{TOP + plot_h + 32}" text-anchor="middle" '
                    f'font-size="10" fill="#666">{escape(chart.notes[i])}</text>'
                )
    else:
        xs = (
            [float(label) for label in chart.labels]
            if chart.kind == "lorenz"
            else [i / max(1, n - 1) for i in range(n)]
        )
        if chart.kind == "lorenz":
            parts.append(
                f'<line x1="{LEFT}" y1="{y(0):.1f}" x2="{LEFT + plot_w}" y2="{y(1):.1f}" '
                'stroke="#999" stroke-dasharray="4 4"/>'
            )
        for si, series in enumerate(chart.series):
            points = [
                f"{LEFT + x * plot_w:.1f},{y(v):.1f}"
                for x, v in zip(xs, series.values, strict=True)
                if v is not None
            ]
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" '
                f'stroke="{COLOURS[si % len(COLOURS)]}" stroke-width="2"/>'
            )
        ticks = {0, n - 1, n // 2} if chart.kind != "lorenz" else set()
        for i in sorted(ticks):
            parts.append(
                f'<text x="{LEFT + xs[i] * plot_w:.1f}" y="{TOP + plot_h + 16}" '
                f'text-anchor="middle" font-size="11">{escape(chart.labels[i])}</text>'
            )
        if chart.kind == "lorenz":
            parts.append(
                f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                f'font-size="11">{escape(gettext("사용자 누적 비중 (거래 적은 순)"))}</text>'
            )
    legend_y = HEIGHT - 8
    for si, series in enumerate(chart.series):
        parts.append(
            f'<rect x="{LEFT + si * 160}" y="{legend_y - 9}" width="10" height="10" '
            f'fill="{COLOURS[si % len(COLOURS)]}"/>'
            f'<text x="{LEFT + si * 160 + 14}" y="{legend_y}" font-size="11">'
            f"{escape(gettext(series.name))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built from escaped parts


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
