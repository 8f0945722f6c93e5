"""Every sandbox page a shopper sees, on a 360 x 740 phone whose browser asks for Indonesian: the page
is in Bahasa Indonesia (no English left in it), amounts read "Rp 45.000", nothing scrolls sideways,
and every button, field and link-button is at least 44 px on both sides."""

from __future__ import annotations

import re
import secrets
import uuid

import pytest

from providers.sandbox.models import SandboxOrder
from tests.sandbox.partners import order as partner_order

pytestmark = pytest.mark.browser
BACK = "http://127.0.0.1:9/back"
# Words of the English pages that must not survive on an Indonesian page.
ENGLISH = re.compile(
    r"\b(Test credentials|Cancel|Back to|Payment to|Order |Pay with|Pay now|Sign in|Log in|Enter |"
    r"Phone number|attempts? left|Confirm|Continue|Verify|waiting|Choose|Open the)\b"
)
CHECK_LAYOUT = """() => {
  const small = [];
  const targets = document.querySelectorAll(
    'button, a.button, select, input:not([type=hidden]):not([type=radio]), label.choice, summary');
  for (const el of targets) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not shown
    if (r.height < 44 || r.width < 44) small.push(`${el.outerHTML.slice(0, 80)} ${r.width}x${r.height}`);
  }
  return {fits: document.documentElement.scrollWidth <= window.innerWidth,
          scrollWidth: document.documentElement.scrollWidth, small: small,
          lang: document.documentElement.lang};
}"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="id-ID",
        extra_http_headers={"Accept-Language": "id-ID,id;q=0.9"},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(15000)
    yield page
    context.close()
    assert not errors, errors


def check(page, *indonesian: str) -> str:
    """The page as it stands is Indonesian, fits the phone and has big enough targets."""
    layout = page.evaluate(CHECK_LAYOUT)
    assert layout["lang"] == "id", layout
    assert layout["fits"], (page.url, layout["scrollWidth"])
    assert not layout["small"], (page.url, layout["small"])
    text = page.locator("body").inner_text()
    for words in indonesian:
        assert words in text, (page.url, words)
    leftover = ENGLISH.search(text)
    assert leftover is None, (page.url, leftover.group(0) if leftover else "", text)
    return text


def _row(partner: str, ref: str, state: str, amount: int = 45_000, **data: object) -> SandboxOrder:
    return partner_order(partner, ref, state, amount, **data)


def test_pay_later_checkout_steps(sandbox_server, phone) -> None:
    order = _row(
        "kredivo",
        secrets.token_urlsafe(12),
        "pending",
        amount=1_250_000,
        transaction_id="KRD1",
        signature_key="k",
        payment_type="3_months",
        push_uri=BACK,
        back_to_store_uri=BACK,
        items=[
            {"name": "Speaker Bluetooth dengan nama yang sangat panjang sekali", "qty": 1, "price": 1_250_000}
        ],
        cancellations=[],
    )
    phone.goto(f"{sandbox_server.url}/sandbox/kredivo/kredivo/v2/signin?tk={order.ref}")
    check(
        phone, "Bayar nanti dengan Kredivo", "Rp 1.250.000", "Masuk ke Kredivo", "Data uji", "Pembayaran ke"
    )
    phone.get_by_label("Nomor HP").fill("081513114262")
    phone.get_by_role("button", name="Lanjutkan").click()
    phone.get_by_label("PIN 6 digit").fill("663482")
    phone.get_by_role("button", name="Lanjutkan").click()
    phone.get_by_label("Kode sekali pakai (OTP)").fill("0000")
    phone.get_by_role("button", name="Verifikasi").click()
    check(phone, "Kode salah. Sisa 2 percobaan.", "Kirim ulang kode")
    phone.get_by_label("Kode sekali pakai (OTP)").fill("4567")
    phone.get_by_role("button", name="Verifikasi").click()
    check(phone, "Pilih cara pembayaran", "Pilihan cicilan", "Konfirmasi pembayaran")
    indodana = _row(
        "indodana",
        str(uuid.uuid4()),
        "INITIATED",
        paymentType="30_days",
        approvedNotificationUrl=BACK,
        backToStoreUrl=BACK,
        items=[],
        refunds=[],
    )
    phone.goto(f"{sandbox_server.url}/sandbox/indodana/chermes/checkout/{indodana.ref}")
    check(phone, "Masuk ke Indodana", "Rp 45.000", "Transaksi Indodana")


def test_akulaku_page(sandbox_server, phone) -> None:
    from providers.sandbox.akulaku import state as akulaku

    order = _row(
        "akulaku",
        "2611301200001",
        akulaku.PENDING,
        callbackPageUrl=BACK,
        lines={"SKU-1": {"name": "Teh", "price": 45_000, "qty": 1, "vendorId": ""}},
        cancelled={},
    )
    sign = akulaku.sign(order.merchant_ref)
    phone.goto(
        f"{sandbox_server.url}/sandbox/akulaku/v2/openPay.html?appId={akulaku.APP_ID}&refNo={order.merchant_ref}&sign={sign}"
    )
    check(phone, "Masuk ke Akulaku", "Sandi", "Rp 45.000")


def test_e_wallet_pages(sandbox_server, phone) -> None:
    base = f"{sandbox_server.url}/sandbox"
    dana = _row("dana", f"2026{secrets.randbelow(10**20):020d}", "01", return_url=BACK, notify_url="")
    phone.goto(f"{base}/dana/m/portal/cashier/checkout?bizNo={dana.ref}")
    check(phone, "Bayar dengan DANA", "Rp 45.000", "Nomor HP DANA")
    phone.goto(f"{base}/dana/app")
    check(phone, "Menunggu pembayaran", "Buka dan bayar")

    shopee = _row("shopeepay", secrets.token_urlsafe(12), "1", return_url=BACK, request={})
    phone.goto(f"{base}/shopeepay/universal-link/wallet/pay?token={shopee.ref}")
    check(phone, "Konfirmasi pembayaran Anda", "Rp 45.000", "Buka aplikasi Shopee")
    phone.get_by_role("button", name="Bayar sekarang").click()
    check(phone, "Masukkan PIN Anda", "PIN ShopeePay")
    phone.goto(f"{base}/shopeepay/app")
    check(phone, "Pembayaran menunggu", "Rp 45.000")

    link = _row(
        "linkaja",
        f"LA{secrets.randbelow(10**12)}",
        "02",
        pgpToken="tok-i18n",
        successUrl=BACK,
        failedUrl=BACK,
        items=[{"name": "Teh melati", "price": "45000", "qty": "1"}],
    )
    phone.goto(f"{base}/linkaja/linkaja-api/payment?message=tok-i18n")
    check(phone, "Pembayaran ke Payloan Demo Store", "Rp 45.000", "Nomor HP LinkAja")
    assert phone.title() == "Bayar dengan LinkAja"
    assert link.ref in phone.locator("body").inner_text()

    number = "081234567891"
    _row("ovo", f"B{secrets.randbelow(10**6)}-000001", "pending", phone=number)
    phone.goto(f"{base}/ovo/ovo-sim/")
    check(phone, "Buka aplikasi OVO")
    phone.get_by_label("Nomor HP").fill(number)
    phone.get_by_role("button", name="Buka aplikasi").click()
    check(phone, "Permintaan pembayaran", "Rp 45.000", "Setujui pembayaran", "4 digit terakhir nomor HP")


def test_astrapay_pages(sandbox_server, phone) -> None:
    base = f"{sandbox_server.url}/sandbox/astrapay"
    binding = _row(
        "astrapay",
        f"BND{secrets.randbelow(10**12)}",
        "PENDING",
        kind="binding",
        step="otp",
        finishBindingUrl=BACK,
    )
    phone.goto(f"{base}/payment-channel/account-binding/{binding.ref}")
    check(phone, "Tautkan AstraPay", "Kode sekali pakai (dikirim lewat SMS)", "Payloan Demo Store")
    payment = _row(
        "astrapay",
        str(uuid.uuid4()),
        "01",
        kind="payment",
        referenceNo="INV/PAC/ONP/1",
        returnUrl=BACK,
        binding="",
        description="Teh melati",
        refunds=[],
        refunded=0,
    )
    phone.goto(f"{base}/merchant-service/payments/{payment.ref}")
    check(phone, "Pembayaran ke Payloan Demo Store", "Rp 45.000")
    assert phone.title() == "Bayar dengan AstraPay"
    phone.get_by_label("PIN AstraPay").fill("000000")
    phone.get_by_role("button", name="Bayar Rp 45.000").click()
    check(phone, "PIN salah. Sisa 2 percobaan.")


def test_demo_store_and_sandbox_index(sandbox_server, phone) -> None:
    phone.goto(f"{sandbox_server.url}/sandbox/shop/")
    check(phone, "Payloan Demo Store", "Teh melati, 100 g", "Rp 45.000", "Metode pembayaran")
    groups = phone.locator("#method optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert groups == ["Dompet digital", "Bayar nanti"]
    phone.goto(f"{sandbox_server.url}/sandbox/")
    check(phone, "Sandbox mitra Payloan", "Simulasikan pelanggan", "Pemicu hasil")


def test_the_language_switch_goes_to_english_and_stays(sandbox_server, phone) -> None:
    phone.goto(f"{sandbox_server.url}/sandbox/shop/")
    with phone.expect_navigation():
        phone.get_by_role("button", name="English").click()
    assert phone.evaluate("document.documentElement.lang") == "en"
    assert "Payment method" in phone.locator("body").inner_text()
    phone.goto(f"{sandbox_server.url}/sandbox/dana/app")
    assert "Waiting for payment" in phone.locator("body").inner_text()  # the choice is remembered
    with phone.expect_navigation():
        phone.get_by_role("button", name="Bahasa Indonesia").click()
    assert "Menunggu pembayaran" in phone.locator("body").inner_text()
