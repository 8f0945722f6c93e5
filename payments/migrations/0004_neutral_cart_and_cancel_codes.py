"""Carts, sellers and cancel failures are stored in the gateway's own terms, not NICEPAY's:

- Transaction.cart_data {"count", "item": [{"goods_id", "goods_amt", ...}]} becomes
  {"items": [{"id", "unit_price", ...}]} (the neutral CartItem), and sellers [{"sellersId", ...}]
  become [{"id", "name", ...}] (Seller);
- Cancellation.result_code holds the failure's error code ("cancel_partner_unavailable", ...)
  instead of a V2 resultCd; a success holds nothing."""

from django.db import migrations, models

CANCEL_CODES = {  # the only V2 codes a finished cancel row can hold
    "0000": "",
    "9314": "cancel_refused",
    "8090": "cancel_partner_unavailable",
    "8061": "cancel_failed_at_partner",
    "8062": "cancel_failed_at_partner",
}


def _whole(value, default=0):
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return int(text) if text.isascii() and text.isdigit() else default


def _items(cart):
    if not isinstance(cart, dict) or "items" in cart:
        return cart
    items = []
    for i, it in enumerate(cart.get("item") or []):
        if not isinstance(it, dict):
            continue
        items.append(
            {
                "id": str(it.get("goods_id") or it.get("img_url") or i + 1)[:64],
                "name": str(it.get("goods_name") or "")[:100],
                "unit_price": _whole(it.get("goods_amt")),
                "quantity": _whole(it.get("goods_quantity", 1) or 1, 1),
                "detail": str(it.get("goods_detail") or "")[:100],
                "type": str(it.get("goods_type") or "")[:50],
                "url": str(it.get("goods_url") or "")[:255],
                "img_url": str(it.get("img_url") or "")[:255],
                "seller_id": str(it.get("goods_sellers_id") or ""),
                "seller_name": str(it.get("goods_sellers_name") or ""),
            }
        )
    return {"items": items}


def _sellers(sellers):
    if isinstance(sellers, dict):
        sellers = [sellers]
    if not isinstance(sellers, list) or not sellers or "sellersId" not in sellers[0]:
        return sellers
    out = []
    for s in sellers:
        addr = s.get("sellersAddress") if isinstance(s.get("sellersAddress"), dict) else {}
        out.append(
            {
                "id": str(s.get("sellersId")),
                "name": str(s.get("sellersNm") or ""),
                "email": str(s.get("sellersEmail") or ""),
                "url": str(s.get("sellersUrl") or ""),
                "address": {k: str(v) for k, v in addr.items()},
            }
        )
    return out


def forwards(apps, schema_editor):
    Transaction = apps.get_model("payments", "Transaction")
    Cancellation = apps.get_model("payments", "Cancellation")
    for txn in Transaction.objects.exclude(cart_data={}).only("cart_data", "sellers").iterator(chunk_size=2000):
        cart, sellers = _items(txn.cart_data), _sellers(txn.sellers)
        if cart != txn.cart_data or sellers != txn.sellers:
            Transaction.objects.filter(pk=txn.pk).update(cart_data=cart, sellers=sellers)
    for old, new in CANCEL_CODES.items():
        Cancellation.objects.filter(result_code=old).update(result_code=new)
    Cancellation.objects.filter(state="succeeded", result_message="SUCCESS").update(result_message="")


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_search_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="cancellation",
            name="result_code",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
