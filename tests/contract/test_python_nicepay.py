"""NICEPAY's official Python client (python-nicepay 1.1.1, unmodified) against the running gateway.

The client runs in its own virtualenv (see conftest.py) as a separate process; it is configured only
through its own setters (sandbox host, iMid, merchantKey, dbProcessUrl, callBackUrl), exactly as a
merchant switching from NICEPAY's sandbox would do.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.contract.conftest import STUBS, VENV
from tests.factories import NICEPAY_SANDBOX_KEY

EWALLET_AMT = 50_000
PAYLOAN_UNIT_PRICE, PAYLOAN_QUANTITY = 75_000, 2  # cart: 75,000 x 2 = amt 150,000
PAYLOAN_AMT = PAYLOAN_UNIT_PRICE * PAYLOAN_QUANTITY


def txid_pattern(pay_method: str) -> re.Pattern[str]:
    """iMid (10) + payMethod (2) + yyyyMMddHHmmss (14) + 4 digits = 30 characters."""
    return re.compile(rf"^IONPAYTEST{pay_method}20\d{{12}}\d{{4}}$")


class Report:
    """Collects every mismatch of the whole scenario, so that one run tells the full story."""

    def __init__(self, steps: list[dict[str, Any]]) -> None:
        self.steps = {s["name"]: s for s in steps}
        self.problems: list[str] = []
        self.failed: set[str] = set()

    def response(self, name: str) -> dict[str, Any]:
        step = self.steps.get(name)
        if step is None or "error" in step:
            self.fail(name, f"the client call did not complete: {step and step.get('error')}")
            return {}
        answer = step["response"]
        if not isinstance(answer, dict):
            self.fail(name, f"answer is not a JSON object: {answer!r}")
            return {}
        return answer

    def expect(self, name: str, answer: dict[str, Any], field: str, expected: Any) -> None:
        if answer and answer.get(field) != expected:
            self.fail(name, f"{field} = {answer.get(field)!r}, expected {expected!r}")

    def expect_match(self, name: str, answer: dict[str, Any], field: str, pattern: re.Pattern[str]) -> None:
        value = answer.get(field)
        if answer and not (isinstance(value, str) and pattern.match(value)):
            self.fail(name, f"{field} = {value!r} does not match {pattern.pattern}")

    def fail(self, name: str, problem: str) -> None:
        self.problems.append(f"{name}: {problem}")
        self.failed.add(name)

    def details(self, web_log: Path) -> str:
        out = ["", *self.problems, ""]
        for name in sorted(self.failed):
            step = self.steps.get(name, {})
            out.append(f"--- {name}")
            out.append("client sent:  " + json.dumps(step.get("request"), ensure_ascii=False))
            out.append("server said:  " + json.dumps(step.get("response"), ensure_ascii=False))
            if "error" in step:
                out.append("client error: " + str(step["error"]) + "\n" + "\n".join(step.get("log", [])))
        if web_log.exists():
            out.append("--- web log (tail)")
            out.append(web_log.read_text(errors="replace")[-3000:])
        return "\n".join(out)


def test_client_imports_with_the_tkinter_stand_in(nicepay_client):
    """Where Tk is missing the client gets the stand-in; check that the client loads with it."""
    probe = subprocess.run(
        [
            str(nicepay_client.python),
            "-c",
            "import tkinter, tkinter.messagebox as m;"
            "import python_nicepay.constants.constantsEndpoint as e;"
            "import python_nicepay.service.v2EnterpriseService;"
            "print(tkinter.__file__, m.RETRY, e.ConstantsEndpoints.registration())",
        ],
        capture_output=True,
        text=True,
        env=nicepay_client.env(force_stub=True),
        cwd=VENV,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    module_file, retry, endpoint = probe.stdout.split()
    assert Path(module_file).is_relative_to(STUBS)
    assert (retry, endpoint) == ("retry", "/direct/v2/registration")


# The client stamps requests with the merchant server's local clock (datetime.now()), so the same
# calls must pass whatever zone that server runs in: UTC (WordPress-style hosting), Jakarta, UTC+14.
ZONES = {"UTC": 0, "Asia/Jakarta": 7, "Etc/GMT-14": 14}


@pytest.mark.integration
@pytest.mark.parametrize("tz", list(ZONES), ids=["utc", "jakarta", "utc+14"])
def test_official_python_client_registers_inquires_and_cancels(stack, receiver, nicepay_client, tz):
    from payments.models import Transaction
    from tests.factories import demo_merchant

    merchant = demo_merchant()
    result = nicepay_client.run_scenario(
        {
            "host": f"{stack.base_url}/nicepay",
            "imid": "IONPAYTEST",
            "merchant_key": NICEPAY_SANDBOX_KEY,
            "db_process_url": receiver.url,
            "callback_url": f"{stack.base_url}/contract-test/callback",
            "ewallet_amt": EWALLET_AMT,
            "payloan_unit_price": PAYLOAN_UNIT_PRICE,
            "payloan_quantity": PAYLOAN_QUANTITY,
        },
        tz=tz,
    )
    steps = result["steps"]
    # The client really ran on that zone's clock (not ours): its stamps read as local time there.
    offset = ZONES[tz]
    assert result["clock"]["utcoffset"] == f"+{offset:02d}00", result["clock"]
    local_now = datetime.now(UTC) + timedelta(hours=offset)
    sent_stamp = datetime.strptime(steps[0]["request"]["timeStamp"], "%Y%m%d%H%M%S")
    assert abs(local_now.replace(tzinfo=None) - sent_stamp) < timedelta(minutes=5), (tz, sent_stamp)
    assert [s["name"] for s in steps] == [
        "ESHP registration",
        "ESHP inquiry",
        "KDVI registration",
        "KDVI inquiry",
        "ESHP cancel",
        "ESHP inquiry after cancel",
        "KDVI cancel",
        "KDVI inquiry after cancel",
    ]
    r = Report(steps)
    sent = {s["name"]: s.get("request") or {} for s in steps}
    eshp_ref = sent["ESHP registration"].get("referenceNo")
    kdvi_ref = sent["KDVI registration"].get("referenceNo")
    digits = {8: re.compile(r"^\d{8}$"), 6: re.compile(r"^\d{6}$")}

    name = "ESHP registration"
    eshp = r.response(name)
    for field, value in {
        "resultCd": "0000",
        "referenceNo": eshp_ref,
        "payMethod": "05",
        "amt": str(EWALLET_AMT),
    }.items():
        r.expect(name, eshp, field, value)
    r.expect_match(name, eshp, "tXid", txid_pattern("05"))
    r.expect_match(name, eshp, "transDt", digits[8])
    r.expect_match(name, eshp, "transTm", digits[6])

    name = "ESHP inquiry"
    answer = r.response(name)
    for field, value in {
        "resultCd": "0000",
        "status": "9",
        "resultMsg": "init",
        "tXid": eshp.get("tXid"),
        "iMid": "IONPAYTEST",
        "referenceNo": eshp_ref,
        "payMethod": "05",
        "mitraCd": "ESHP",
        "amt": str(EWALLET_AMT),
        "currency": "IDR",
    }.items():
        r.expect(name, answer, field, value)

    name = "KDVI registration"
    kdvi = r.response(name)
    for field, value in {
        "resultCd": "0000",
        "referenceNo": kdvi_ref,
        "payMethod": "06",
        "amt": str(PAYLOAN_AMT),
        "mitraCd": "KDVI",
    }.items():
        r.expect(name, kdvi, field, value)
    r.expect_match(name, kdvi, "tXid", txid_pattern("06"))

    name = "KDVI inquiry"
    answer = r.response(name)
    for field, value in {
        "resultCd": "0000",
        "status": "9",
        "tXid": kdvi.get("tXid"),
        "referenceNo": kdvi_ref,
        "payMethod": "06",
        "mitraCd": "KDVI",
        "amt": str(PAYLOAN_AMT),
        "instmntType": "1",
        "instmntMon": "1",
    }.items():
        r.expect(name, answer, field, value)

    name = "ESHP cancel"
    answer = r.response(name)
    for field, value in {"resultCd": "0000", "tXid": eshp.get("tXid"), "referenceNo": eshp_ref}.items():
        r.expect(name, answer, field, value)

    name = "ESHP inquiry after cancel"
    answer = r.response(name)
    for field, value in {"resultCd": "0000", "status": "1", "tXid": eshp.get("tXid")}.items():
        r.expect(name, answer, field, value)

    name = "KDVI cancel"
    answer = r.response(name)
    for field, value in {"resultCd": "0000", "tXid": kdvi.get("tXid"), "referenceNo": kdvi_ref}.items():
        r.expect(name, answer, field, value)

    name = "KDVI inquiry after cancel"
    answer = r.response(name)
    for field, value in {"resultCd": "0000", "status": "1", "tXid": kdvi.get("tXid")}.items():
        r.expect(name, answer, field, value)

    # What the server recorded matches what the client asked for.
    stored = {t.reference_no: t for t in Transaction.objects.filter(merchant=merchant)}
    if set(stored) != {eshp_ref, kdvi_ref}:
        r.problems.append(f"stored transactions: {sorted(stored)}, expected {[eshp_ref, kdvi_ref]}")
    else:
        got = [(t.txid, t.mitra_cd, t.amount, t.status) for t in (stored[eshp_ref], stored[kdvi_ref])]
        want = [(eshp.get("tXid"), "ESHP", EWALLET_AMT, "1"), (kdvi.get("tXid"), "KDVI", PAYLOAN_AMT, "1")]
        if got != want:
            r.problems.append(f"stored (tXid, mitraCd, amount, status): {got}, expected {want}")
        kdvi_row = stored[kdvi_ref]
        if (kdvi_row.instalment_type, kdvi_row.instalment_months, kdvi_row.delivery_post_code) != (
            "1",
            "1",
            "10202",
        ):
            r.problems.append("KDVI instalment/delivery fields not stored as sent")

    assert not r.problems, r.details(stack.logs / "web.log")
