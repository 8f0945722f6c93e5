"""State of the simulated partners. One generic row per partner-side order or link."""

from django.db import models


class SandboxOrder(models.Model):
    partner = models.CharField(max_length=20)
    ref = models.CharField(max_length=80)  # the partner's own id (token, referenceNo...)
    merchant_ref = models.CharField(max_length=80, db_index=True)  # the gateway's order id (tXid)
    amount = models.PositiveBigIntegerField(default=0)
    state = models.CharField(max_length=20)  # in the partner's own vocabulary
    data = models.JSONField(default=dict)  # request payload, urls, page progress
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "ref"], name="sandbox_order_ref_uniq")]

    def __str__(self) -> str:
        return f"{self.partner}:{self.ref} {self.state}"


class ShopOrder(models.Model):
    """The demo merchant store's own orders (it is a merchant, not part of the gateway)."""

    reference_no = models.CharField(max_length=40, unique=True)
    product = models.CharField(max_length=100)
    amount = models.PositiveBigIntegerField()
    mitra_cd = models.CharField(max_length=4)
    txid = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=20, default="new")
    created_at = models.DateTimeField(auto_now_add=True)


class ShopNotification(models.Model):
    """Every notification the demo store received at its dbProcessUrl, verified or not."""

    txid = models.CharField(max_length=30, db_index=True)
    payload = models.JSONField()
    token_valid = models.BooleanField()  # merchantToken (and X-Payloan-Signature when sent) verified
    signature_valid = models.BooleanField(null=True)  # X-Payloan-Signature; None: header absent
    received_at = models.DateTimeField(auto_now_add=True)


class ShopLink(models.Model):
    """The demo store remembers each customer's AstraPay mandate, as a merchant would."""

    phone = models.CharField(max_length=15, unique=True)
    mandate_id = models.CharField(max_length=40)
    linked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class SandboxCounter(models.Model):
    """Attempt counters (PIN/OTP tries) and sequence numbers (nonces). Only ever changed by one
    conditional UPDATE, so concurrent requests can never count past a limit (see counters.py)."""

    key = models.CharField(max_length=160, unique=True)
    value = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class RefundControl(models.Model):
    """How the partner holding transaction `merchant_ref` treats refund and cancel calls: set by a
    test through POST /sandbox/refund-control (see refunds.py)."""

    merchant_ref = models.CharField(max_length=80, unique=True)
    mode = models.CharField(max_length=10, default="normal")
    seconds = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.merchant_ref}: {self.mode}"
