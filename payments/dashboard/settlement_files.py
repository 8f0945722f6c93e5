"""The settlement report as files (CSV, XLSX): one line per day and partner, then the totals.

Money columns are whole rupiah as integers (in the XLSX, numbers with a thousands format), so a
spreadsheet sums them exactly."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.styles import Font

from payments.models import AuditLog, Merchant
from payments.selectors.settlements import Balance
from payments.services.audit import Actor, audit_record

HEADER = [
    "Date",
    "Partner",
    "mitraCd",
    "Payments",
    "Gross (Rp)",
    "MDR fees (Rp)",
    "Refunds",
    "Refunded (Rp)",
    "Net (Rp)",
    "Settles on",
    "State",
]


def _lines(report: Balance, names: Mapping[str, str]) -> list[list]:
    lines = [
        [
            r.day,
            names.get(r.mitra_cd, r.mitra_cd),
            r.mitra_cd,
            r.payments,
            r.gross,
            r.fees,
            r.refund_count,
            r.refunds,
            r.net,
            r.settles_on,
            "available" if r.available else "pending",
        ]
        for r in report.rows
    ]
    lines.append(
        [
            "Total",
            "",
            "",
            report.payments,
            report.gross,
            report.fees,
            report.refund_count,
            report.refunds,
            report.net,
            "",
            f"available {report.available}, pending {report.pending}",
        ]
    )
    return lines


def settlement_csv(*, report: Balance, names: Mapping[str, str]) -> str:
    """The report as CSV text (dates YYYY-MM-DD, money whole rupiah)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for line in _lines(report, names):
        writer.writerow([v.isoformat() if hasattr(v, "isoformat") else v for v in line])
    return out.getvalue()


def settlement_xlsx(*, report: Balance, names: Mapping[str, str], merchant_label: str) -> bytes:
    """The report as an XLSX workbook (openpyxl): one sheet, a title line, the header, the lines."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Settlement"
    sheet.append(
        [f"Settlement report {merchant_label}, {report.date_from} to {report.date_to} (Asia/Jakarta)"]
    )
    sheet["A1"].font = Font(bold=True)
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for line in _lines(report, names):
        sheet.append(line)
    last = sheet.max_row
    for row in sheet.iter_rows(min_row=3, max_row=last):
        for cell in row:
            if cell.column in (1, 10) and cell.value not in ("Total", ""):
                cell.number_format = "yyyy-mm-dd"
            elif cell.column in (5, 6, 8, 9):
                cell.number_format = "#,##0"
    for cell in sheet[last]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJK", (12, 14, 9, 10, 16, 15, 9, 15, 16, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def settlement_export(
    *, merchant: Merchant, report: Balance, kind: str, names: Mapping[str, str], actor: Actor
) -> bytes:
    """The report as a file of `kind` ("csv" or "xlsx"), audited."""
    audit_record(
        actor=actor,
        action=AuditLog.Action.SETTLEMENT_EXPORTED,
        merchant=merchant,
        target="settlement",
        detail={"format": kind, "from": report.date_from.isoformat(), "to": report.date_to.isoformat()},
    )
    if kind == "csv":
        return settlement_csv(report=report, names=names).encode()
    return settlement_xlsx(report=report, names=names, merchant_label=f"{merchant.name} ({merchant.imid})")
