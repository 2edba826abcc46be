"""Server-rendered SVG charts for the statistics pages: no JavaScript, no
external service. This module only computes the geometry; the templates
``backoffice/statistics/_chart_bars.html`` and ``_chart_columns.html`` draw it.

Accessibility: every chart is an ``<svg role="img">`` labelled by its title
and a text description, every bar carries its value as text (colour is never
the only cue: series also have a legend with the series name), and each page
shows the same figures as a table next to the chart. The colours are the
Wagtail admin's and have at least 4.5:1 contrast against white, and the
value text inside a bar is white on at least 4.5:1."""

from dataclasses import dataclass, field

from django.utils.formats import number_format

# Wagtail admin colours (teal, indigo, a dark orange and a grey), each ≥ 4.5:1 on white.
PALETTE = ("#007d7e", "#261a4a", "#a34700", "#5c5c5c")
TRACK = "#e0e0e0"

WIDTH = 360
LABEL_HEIGHT = 18
BAR_HEIGHT = 20
BAR_GAP = 4
ROW_GAP = 14
VALUE_ROOM = 70  # room right of the longest bar for a short value
CHAR_WIDTH = 7  # a generous average at the 12px value font
LEGEND_HEIGHT = 26


def fmt(value, decimals=0):
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def fmt_short(value):
    """Whole numbers without decimals, others with one: 3 → "3", 3.5 → "3,5"."""
    return fmt(value, 0 if float(value).is_integer() else 1)


@dataclass
class Series:
    name: str
    colour: str


@dataclass
class BarShape:
    x: float
    y: float
    width: float
    height: float
    colour: str
    text: str
    text_x: float
    text_y: float
    series: str
    inside: bool = False


@dataclass
class BarRow:
    label: str
    label_y: float
    bars: list = field(default_factory=list)


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    series: list
    rows: list = field(default_factory=list)
    legend: list = field(default_factory=list)
    axis_y: float = 0
    columns: list = field(default_factory=list)
    empty: bool = False


def _legend(series, y):
    """Legend entries: a swatch and the series name, in a row."""
    entries, x = [], 0
    for item in series:
        entries.append({"x": x, "y": y, "colour": item.colour, "name": item.name, "text_x": x + 18,
                        "text_y": y + 11})
        x += 26 + 8 * len(str(item.name))
    return entries


def bar_chart(chart_id, title, description, rows, series_names, *, value_format=fmt, max_value=None):
    """Horizontal bars: ``rows`` is ``[(label, [value per series])]``; with
    more than one series the bars of a row are grouped under its label."""
    series = [Series(str(name), PALETTE[i % len(PALETTE)]) for i, name in enumerate(series_names)]
    multi = len(series) > 1
    top = LEGEND_HEIGHT if multi else 0
    values = [float(v or 0) for _label, vals in rows for v in vals]
    top_value = max_value or max(values, default=0) or 1
    scale = (WIDTH - VALUE_ROOM) / top_value
    chart = Chart(id=chart_id, title=str(title), description=str(description), width=WIDTH, height=0,
                  series=series, legend=_legend(series, 0) if multi else [],
                  empty=not any(values))
    y = top
    for label, vals in rows:
        row = BarRow(label=str(label), label_y=y + 13)
        y += LABEL_HEIGHT
        for item, value in zip(series, vals):
            value = value or 0
            width = max(float(value) * scale, 0)
            if value and width < 2:
                width = 2
            text = value_format(value)
            if multi:
                text = f"{item.name}: {text}"
            # Long values go inside their bar (white on the bar's colour) when they fit there.
            inside = width + 6 + len(text) * CHAR_WIDTH > WIDTH and width > len(text) * CHAR_WIDTH + 12
            row.bars.append(BarShape(x=0, y=y, width=round(width, 1), height=BAR_HEIGHT, colour=item.colour,
                                     text=text, text_x=round(width - 6 if inside else width + 6, 1), text_y=y + 15,
                                     series=item.name, inside=inside))
            y += BAR_HEIGHT + BAR_GAP
        chart.rows.append(row)
        y += ROW_GAP - BAR_GAP
    chart.height = int(y)
    return chart


COLUMN_AREA = 200
COLUMN_TOP = LEGEND_HEIGHT + 10
COLUMN_LABEL_ROOM = 40


def _two_lines(label):
    """``"1. kvt. 2025"`` → ``["1. kvt.", "2025"]``: narrow columns keep their labels apart."""
    head, _space, tail = label.rpartition(" ")
    return [head, tail] if head else [label]


def column_chart(chart_id, title, description, columns, series_names, *, value_format=fmt):
    """Stacked columns: ``columns`` is ``[(label, [value per series])]``,
    e.g. outcomes per quarter. Each segment shows its number when there is
    room; the total stands above the column."""
    series = [Series(str(name), PALETTE[i % len(PALETTE)]) for i, name in enumerate(series_names)]
    totals = [sum(float(v or 0) for v in vals) for _label, vals in columns]
    top_total = max(totals, default=0) or 1
    scale = COLUMN_AREA / top_total
    count = max(len(columns), 1)
    slot = WIDTH / count
    column_width = min(56, slot * 0.7)
    axis_y = COLUMN_TOP + COLUMN_AREA + 16
    chart = Chart(id=chart_id, title=str(title), description=str(description), width=WIDTH,
                  height=int(axis_y + COLUMN_LABEL_ROOM), series=series, legend=_legend(series, 0),
                  axis_y=axis_y, empty=not any(totals))
    for index, ((label, vals), total) in enumerate(zip(columns, totals)):
        x = index * slot + (slot - column_width) / 2
        bottom = axis_y
        segments = []
        for item, value in zip(series, vals):
            value = value or 0
            if not value:
                continue
            height = float(value) * scale
            bottom -= height
            segments.append({
                "x": round(x, 1), "y": round(bottom, 1), "width": round(column_width, 1),
                "height": round(height, 1), "colour": item.colour, "series": item.name,
                "text": value_format(value) if height >= 16 else "",
                "text_x": round(x + column_width / 2, 1), "text_y": round(bottom + height / 2 + 5, 1),
            })
        chart.columns.append({
            "label": str(label), "label_lines": _two_lines(str(label)), "label_x": round(x + column_width / 2, 1),
            "label_y": axis_y + 17,
            "segments": segments, "total": value_format(total), "total_y": round(bottom - 5, 1),
            "total_x": round(x + column_width / 2, 1),
        })
    return chart
