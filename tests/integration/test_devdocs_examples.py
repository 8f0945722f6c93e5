"""The copy-paste examples of /docs/ work as printed: taken from the live page, with only the
merchant's own values filled in (its key, a fresh timeStamp and referenceNo, its notification URL),
the Python, PHP and curl registrations register a payment on the running stack, and the Python and
PHP notification checks accept a real notification from it and refuse a tampered one."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from payments.devdocs.content import SANDBOX_KEY
from payments.models import Transaction
from tests.support import flows
from tests.support.receiver import Received
from tests.support.stack import free_port

pytestmark = pytest.mark.integration

PHP = shutil.which("php")
CURL = shutil.which("curl")
SAMPLE_STAMP, SAMPLE_REF = "20261130101500", "ORD-10045"
SAMPLE_NOTIFY = "https://shop.example/payloan/notify"


def example(page: str, section: str, lang: str) -> str:
    """The code of one example tab of a section of the rendered page, as a reader copies it."""
    start = page.index(f'<section id="{section}"')
    end = page.find('<section id="', start + 1)
    code = re.search(
        rf'data-lang="{lang}">.*?<code>(.*?)</code>', page[start : end if end > 0 else None], re.S
    )
    assert code, (section, lang)
    return html.unescape(code.group(1))


def header(note: Received, name: str) -> str:
    return next(value for key, value in note.headers.items() if key.lower() == name.lower())


def filled(code: str, values: dict[str, str]) -> str:
    """`code` with each sample value replaced by the merchant's own (each must be in it)."""
    for sample, own in values.items():
        assert sample in code, sample
        code = code.replace(sample, own)
    return code


@pytest.fixture
def docs(stack) -> str:  # noqa: ANN001
    page = requests.get(f"{stack.base_url}/docs/", timeout=30)
    assert page.status_code == 200
    return page.text


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path


def own_values(receiver) -> tuple[dict[str, str], str]:  # noqa: ANN001
    """The sample's values a merchant replaces with its own (besides its key): a fresh timeStamp
    and referenceNo, and its notification URL."""
    ref = f"DOCS{uuid.uuid4().hex[:12].upper()}"
    return {SAMPLE_STAMP: flows.stamp(), SAMPLE_REF: ref, SAMPLE_NOTIFY: receiver.url}, ref


def registered(stack, answer: dict, ref: str) -> dict:  # noqa: ANN001
    assert answer["resultCd"] == "0000", answer
    txn = Transaction.objects.get(txid=answer["tXid"])
    assert (txn.merchant.imid, txn.reference_no, txn.amount) == (flows.IMID, ref, 45_000)
    return {**answer, "_body": {"iMid": flows.IMID, "referenceNo": ref, "amt": "45000", "payMethod": "05"}}


def run(argv: list[str], cwd: Path, stdin: str = "") -> str:
    done = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def python_registration(stack, receiver, docs: str, work: Path) -> dict:  # noqa: ANN001
    code = example(docs, "registration", "python")
    assert f'"{stack.base_url}/nicepay/direct/v2/registration"' in code  # the page names this server
    values, ref = own_values(receiver)
    values['MERCHANT_KEY = "your merchantKey"'] = f'MERCHANT_KEY = "{SANDBOX_KEY}"'
    script = work / "register.py"
    script.write_text(filled(code, values) + "\nimport json\nprint(json.dumps(answer))\n")
    return registered(stack, json.loads(run([sys.executable, str(script)], work)), ref)


def a_real_notification(stack, receiver, reg: dict) -> Received:  # noqa: ANN001
    flows.payment_started(stack.base_url, reg, callback_url="http://127.0.0.1:9/merchant/callback")
    assert flows.simulated(stack, reg)["notified"] == [200]
    [note] = flows.notified(receiver, reg, 1)
    assert note.form["status"] == "0" and note.form["amt"] == "45000"
    return note


def tampered(note: Received) -> bytes:
    """The notification's body with another amount (as someone between us and the merchant would)."""
    body = re.sub(rb"(^|&)amt=45000(&|$)", rb"\1amt=4500000\2", note.body)
    assert body != note.body
    return body


VERIFY_HARNESS = """
import json, sys
from urllib.parse import parse_qsl
sys.path.insert(0, sys.argv[1])
import verify  # the snippet from /docs/, as printed

cases = json.load(sys.stdin)
out = []
for c in cases:
    raw = c["raw"].encode()
    form = dict(parse_qsl(c["raw"], keep_blank_values=True))
    out.append([verify.token_ok(form, c["imid"], c["key"]), verify.signature_ok(raw, c["header"], c["key"])])
print(json.dumps(out))
"""


def test_python_examples_register_and_verify_a_real_notification(stack, demo_merchant, receiver, docs, work):
    reg = python_registration(stack, receiver, docs, work)
    note = a_real_notification(stack, receiver, reg)

    (work / "verify.py").write_text(example(docs, "notifications", "python"))
    (work / "harness.py").write_text(VERIFY_HARNESS)
    signed = header(note, "X-Payloan-Signature")
    stamp, mac = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", signed).groups()
    forged = f"t={stamp},v1={'0' if mac[0] != '0' else '1'}{mac[1:]}"
    old_t = int(stamp) - 3600  # rightly signed, but an hour old: a captured notification replayed
    old_mac = hmac.new(SANDBOX_KEY.encode(), f"{old_t}.".encode() + note.body, hashlib.sha256).hexdigest()
    raw = note.body.decode()
    case = {"imid": flows.IMID, "key": SANDBOX_KEY, "raw": raw, "header": signed}
    cases = [
        case,
        {**case, "raw": tampered(note).decode()},
        {**case, "header": forged},
        {**case, "header": f"t={old_t},v1={old_mac}"},
        {**case, "key": "another merchant's key"},
    ]
    answers = json.loads(run([sys.executable, "harness.py", str(work)], work, json.dumps(cases)))
    assert answers == [[True, True], [False, False], [True, False], [True, False], [False, False]]


@pytest.mark.skipif(PHP is None, reason="php is not installed (apt-get install php-cli php-curl)")
def test_php_examples_register_and_verify_a_real_notification(stack, demo_merchant, receiver, docs, work):
    code = example(docs, "registration", "php")
    values, ref = own_values(receiver)
    values["$merchantKey = 'your merchantKey';"] = f"$merchantKey = '{SANDBOX_KEY}';"
    (work / "register.php").write_text(filled(code, values) + "\necho json_encode($answer);\n")
    reg = registered(stack, json.loads(run([PHP, "register.php"], work)), ref)
    note = a_real_notification(stack, receiver, reg)

    # The notification check as a merchant deploys it: a PHP page (here on PHP's own web server)
    # that defines its iMid and key, which the snippet expects, then runs the snippet as printed.
    (work / "check.php").write_text(example(docs, "notifications", "php"))
    (work / "notify.php").write_text(
        f"<?php\n$iMid = '{flows.IMID}';\n$merchantKey = '{SANDBOX_KEY}';\nrequire __DIR__ . '/check.php';\n"
    )
    port = free_port()
    server = subprocess.Popen(
        [PHP, "-S", f"127.0.0.1:{port}", "notify.php"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port)
        url = f"http://127.0.0.1:{port}/notify.php"
        headers = {
            "Content-Type": header(note, "Content-Type"),
            "X-Payloan-Signature": header(note, "X-Payloan-Signature"),
        }
        assert requests.post(url, data=note.body, headers=headers, timeout=10).status_code == 200
        assert requests.post(url, data=tampered(note), headers=headers, timeout=10).status_code == 400
        unsigned = {"Content-Type": headers["Content-Type"]}
        assert requests.post(url, data=note.body, headers=unsigned, timeout=10).status_code == 400
        if CURL:  # the curl view of a notification, pointed at this page with the real values
            sent = filled(
                example(docs, "notifications", "curl"),
                {
                    "https://shop.example/payloan/notify": url,
                    "t=1764470100,v1=<hex HMAC-SHA256>": headers["X-Payloan-Signature"],
                    "tXid=IONPAYTEST05202611301015001234&merchantToken=<hex>&status=0&amt=45000&sequence=1": (
                        note.body.decode()
                    ),
                },
            )
            command = sent.rstrip() + " -s -o /dev/null -w '%{http_code}'"
            assert run(["bash", "-c", command], work).strip() == "200"
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_registration_example_registers(stack, demo_merchant, receiver, docs, work):
    code = example(docs, "registration", "curl")
    placeholder = "<SHA-256 hex of timeStamp + iMid + referenceNo + amt + merchantKey>"
    values, ref = own_values(receiver)
    values[placeholder] = flows.sha(
        values[SAMPLE_STAMP], flows.IMID, ref, "45000", SANDBOX_KEY
    )  # theirs to compute
    answer = json.loads(run(["bash", "-c", filled(code, values)], work))
    registered(stack, answer, ref)


def wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")
