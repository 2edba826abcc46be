"""The evaluation report as a PDF, ready to attach to the evaluation form:
title, municipality, period, the headline sentence, the table per target
group with its total row, the definitions and the date it was made.
Counts only. Fonts and page footer are the receipts' (Danish letters)."""

from io import BytesIO
from functools import partial

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..services.receipts import COPENHAGEN, FONT, FONT_BOLD, _NumberedCanvas, _register_fonts, _text
from .evaluation import DEFINITIONS, POPULATION_NOTE, format_day, headline, table_headers, table_rows


def _styles():
    base = ParagraphStyle("evaluation-body", fontName=FONT, fontSize=10.5, leading=14.5,
                          textColor=colors.black, spaceAfter=2.5 * mm)
    return {
        "body": base,
        "small": ParagraphStyle("evaluation-small", parent=base, fontSize=9, leading=12),
        "title": ParagraphStyle("evaluation-title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20,
                                spaceAfter=3 * mm),
        "heading": ParagraphStyle("evaluation-heading", parent=base, fontName=FONT_BOLD, fontSize=12,
                                  leading=15, spaceBefore=5 * mm, spaceAfter=2 * mm, keepWithNext=1),
        "cell": ParagraphStyle("evaluation-cell", parent=base, spaceAfter=0),
        "cell_bold": ParagraphStyle("evaluation-cell-bold", parent=base, fontName=FONT_BOLD, spaceAfter=0),
    }


def _table(report, styles):
    headers, rows = table_headers(), table_rows(report)
    data = [[Paragraph(_text(h), styles["cell_bold"]) for h in headers]]
    for index, (label, courses, loans) in enumerate(rows):
        style = styles["cell_bold"] if index == len(rows) - 1 else styles["cell"]
        data.append([Paragraph(_text(label), style), str(courses), str(loans)])
    table = Table(data, colWidths=[80 * mm, 48 * mm, 35 * mm], hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (1, 1), (-1, -1), FONT, 10.5),
        ("FONT", (1, -1), (-1, -1), FONT_BOLD, 10.5),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def evaluation_pdf(report, *, now=None, language=None):
    """The report as PDF bytes, in Danish like the evaluation form
    (``language`` to choose another)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _render(report, now)


def _render(report, now):
    _register_fonts()
    styles = _styles()
    now = timezone.localtime(now or timezone.now(), COPENHAGEN)
    municipality = report.municipality.name
    title = _("Evaluation report: micro-loans")
    period = _("%(start)s to %(end)s (both days included)") % {
        "start": format_day(report.period.start), "end": format_day(report.period.end)}
    facts = Table([
        [Paragraph(f"<b>{_text(label)}:</b>", styles["cell"]), Paragraph(_text(value), styles["cell"])]
        for label, value in ((_("Municipality"), municipality), (_("Period"), period))
    ], colWidths=[30 * mm, None], hAlign="LEFT")
    facts.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        Paragraph(_text(title), styles["title"]),
        facts,
        Paragraph(_text(_("The scheme in figures")), styles["heading"]),
        Paragraph(_text(headline(report)), styles["body"]),
        Paragraph(_text(_("Citizens who took the guidance and upskilling course or were granted a "
                          "micro-loan, by target group:")), styles["body"]),
        _table(report, styles),
        Paragraph(_text(_("Definitions")), styles["heading"]),
    ]
    for _key, label, text in DEFINITIONS:
        story.append(Paragraph(f"<b>{_text(label)}:</b> {_text(text)}", styles["small"]))
    story.append(Paragraph(_text(POPULATION_NOTE), styles["small"]))
    generated = _("Made on %(date)s at %(time)s.") % {
        "date": format_day(now.date()), "time": now.strftime("%H:%M")}
    story += [Spacer(1, 4 * mm), Paragraph(_text(generated), styles["small"])]

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=22 * mm,
        title=f"{title} – {municipality}", author=municipality, subject=title, creator=municipality,
        lang=translation.get_language() or settings.LANGUAGE_CODE,
    )
    doc.build(story, canvasmaker=partial(_NumberedCanvas, footer=f"{municipality} · {period}"))
    return buffer.getvalue()
