"""merchantToken formulas against the vectors NICEPAY publishes (nicepay-v2.md §0.5)."""

import pytest

from payments import tokens
from tests.factories import NICEPAY_SANDBOX_KEY as KEY


@pytest.mark.parametrize(
    ("ts", "ref", "amt", "expected"),
    [
        (
            "20170822170942",
            "OrdNo2017717942577",
            "1000",
            "b5149659e1a2f1271fb0833f8ea20e174b6fd389db26bc6ad036cc0dae6fa797",
        ),
        (
            "20190813141070",
            "OrdNo20181023141070",
            "6500000",
            "f13aca1c9793987581c9afe0bad6c09d2cb70c7840e269a78911a8b96d15eea5",
        ),
        (
            "20200923132509",
            "JWB20092188",
            "529500",
            "a571183b8fd6c6051bcfa85b09c2bf2013e055ce313d00494dfb04b17a6a13ab",
        ),
        (
            "20210319095959",
            "ORDER123",
            "25145",
            "d05ba94a6f9a1411e5e45f429be9b09b138c4c81a67ceee363bea73d5f91c55b",
        ),
    ],
)
def test_registration_token_vectors(ts, ref, amt, expected):
    assert tokens.registration_token(ts, "IONPAYTEST", ref, amt, KEY) == expected


def test_inquiry_and_payment_token_vector():
    expected = "324a7d07d9f3fe30a3960b28af29a91fc30a33fb3332cf33d40394f30d1f399f"
    assert tokens.inquiry_token("20221208065959", "IONPAYTEST", "ORD20221208", "2000", KEY) == expected
    assert tokens.payment_token("20221208065959", "IONPAYTEST", "ORD20221208", "2000", KEY) == expected


def test_cancel_token_vector():
    expected = "66141d60572e570045c4f3e9965f3452d511496841981e8a2af6a24a7038a119"
    assert (
        tokens.cancel_token("20180123100505", "IONPAYTEST", "IONPAYTEST01202103311759347262", "10000", KEY)
        == expected
    )


def test_other_formulas_concatenate_in_documented_order():
    import hashlib

    def sha(s):
        return hashlib.sha256(s.encode()).hexdigest()

    assert tokens.notification_token("IMID", "TX", "10", "K") == sha("IMIDTX10K")
    assert tokens.akulaku_confirm_token("TS", "TX", "IMID", "K") == sha("TSTXIMIDK")
    assert tokens.link_enable_token("IMID", "REF", "0812", "K") == sha("IMIDREF0812K")
    assert tokens.link_initiate_token("IMID", "REF", "10", "K") == sha("IMIDREF10K")


def test_matches_is_exact_and_type_safe():
    good = tokens.registration_token("1", "2", "3", "4", "5")
    assert tokens.matches(good, good)
    assert tokens.matches(good, good.upper())
    assert not tokens.matches(good, good[:-1] + "0")
    assert not tokens.matches(good, None)
    assert not tokens.matches(good, 12345)
