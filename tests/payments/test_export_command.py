"""The CSV export from the command line, with progress; scoped to one merchant."""

import csv
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from payments.models import Job, Transaction
from payments.services.registration import new_txid
from tests.factories import MerchantFactory


def make(merchant, n, amount=10_000):
    for i in range(n):
        Transaction.objects.create(
            txid=new_txid(merchant.imid, "05")[:-4] + f"{i:04d}",
            merchant=merchant,
            reference_no=f"R{i}",
            pay_method="05",
            mitra_cd="ESHP",
            amount=amount + i,
            goods_name="g",
            billing_name="=cmd()",
            billing_phone="0812",
            billing_email="a@b.id",
            db_process_url="http://x",
            expires_at=timezone.now() + timedelta(hours=1),
            request_fingerprint="f",
        )


@pytest.mark.django_db(transaction=True)
def test_export_command_writes_the_filtered_rows_and_reports_progress(tmp_path, capsys):
    mine, other = MerchantFactory(), MerchantFactory()
    make(mine, 5)
    make(other, 3)
    out = tmp_path / "tx.csv"
    call_command("export_transactions", "--imid", mine.imid, "--output", str(out), "--amount-min", "10002")
    rows = list(csv.reader(out.open()))
    assert rows[0][:2] == ["tXid", "referenceNo"]
    assert sorted(r[1] for r in rows[1:]) == ["R2", "R3", "R4"]
    name = rows[0].index("billingName")
    assert all(r[name] == "'=cmd()" for r in rows[1:])  # a formula-looking cell is defused
    printed = capsys.readouterr().out
    assert "rows" in printed and "Exported 3 rows" in printed
    job = Job.objects.get(kind="export")
    assert job.state == Job.State.DONE and job.merchant == mine and job.progress == job.total == 3


@pytest.mark.django_db
def test_export_command_unknown_merchant(tmp_path):
    with pytest.raises(CommandError):
        call_command("export_transactions", "--imid", "NOPE", "--output", str(tmp_path / "x.csv"))
