"""cartData and sellers as NICEPAY sends them (JSON in a string), parsed into the neutral
CartItem and Seller the services and partners use. Bad JSON or shapes answer 9022 / 9003.

The count and goods_quantity rule is shared with SNAP's cartData: it raises the typed CartInvalid,
which each door's error table words (V2 9022, SNAP 400xx01)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from payments import exceptions as err
from payments import textcheck
from providers.base.types import CartItem, Seller

from .errors import InvalidField


def _whole(value: Any, field: str) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()):  # str.isdigit alone passes "²", which int() refuses
        raise InvalidField("cartData", f"cartData item {field} must be a whole number", result_cd="9022")
    return int(text)


# [inferred] NICEPAY gives no bound; partners' APIs carry quantities in 32-bit integers.
COUNT_MAX = 999_999_999


def _count(value: Any) -> int | None:
    """A positive whole number (digits in a string, or a JSON integer: nicepay-v2.md §2.3 says
    both are sent) up to COUNT_MAX; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(COUNT_MAX)):
        return None
    number = int(text)
    return number if 1 <= number <= COUNT_MAX else None


def cart_count(data: dict[str, Any]) -> None:
    """cartData's `count`, when sent (null or "" is not sent), must be a positive whole number. It
    is not compared with the items: NICEPAY documents it as the number of items, yet clients differ.
    Raises CartInvalid."""
    value = data.get("count")
    if value is None or value == "":
        return
    if _count(value) is None:
        raise err.CartInvalid(detail=f"count must be a whole number from 1 to {COUNT_MAX}")


def goods_quantity(value: Any, position: int) -> int:
    """An item's goods_quantity: a whole number from 1 to COUNT_MAX (digits or a JSON integer);
    absent, null or "" is 1 (NICEPAY documented it for LinkAja only until 2024). Raises CartInvalid."""
    if value is None or value == "":
        return 1
    number = _count(value)
    if number is None:
        raise err.CartInvalid(
            detail=f"item {position + 1} goods_quantity must be a whole number from 1 to {COUNT_MAX}"
        )
    return number


def cart_item(it: dict[str, Any], position: int, whole: Callable[[Any, str], int]) -> CartItem:
    """One item of NICEPAY's cartData (goods_* keys, the same in V2 and SNAP), cut to our column
    sizes; `whole(value, key)` reads goods_amt, raising the caller's own error. Raises CartInvalid
    (goods_quantity)."""
    return CartItem(
        id=str(it.get("goods_id") or it.get("img_url") or position + 1)[:64],
        name=str(it.get("goods_name") or "")[:100],
        unit_price=whole(it.get("goods_amt"), "goods_amt"),
        quantity=goods_quantity(it.get("goods_quantity"), position),
        detail=str(it.get("goods_detail") or "")[:100],
        type=str(it.get("goods_type") or "")[:50],
        url=str(it.get("goods_url") or "")[:255],
        img_url=str(it.get("img_url") or "")[:255],
        seller_id=str(it.get("goods_sellers_id") or ""),
        seller_name=str(it.get("goods_sellers_name") or ""),
    )


def parse_cart(raw: str) -> tuple[CartItem, ...]:
    """The items of a cartData string. Raises InvalidField (9022)."""
    try:
        data = textcheck.loads(raw, "cartData")
    except textcheck.BadText as exc:  # e.g. an escaped NUL inside: not storable
        raise InvalidField("cartData", exc.message, result_cd="9022")
    except textcheck.BadJson:
        raise InvalidField("cartData", "cartData is not valid JSON", result_cd="9022")
    if not isinstance(data, dict) or not isinstance(data.get("item"), list) or not data["item"]:
        raise InvalidField(
            "cartData",
            'cartData must be {"count": n, "item": [...]} with at least one item',
            result_cd="9022",
        )
    cart_count(data)
    items = []
    for i, it in enumerate(data["item"]):
        if not isinstance(it, dict):
            raise InvalidField("cartData", f"cartData item {i + 1} must be an object", result_cd="9022")
        items.append(cart_item(it, i, _whole))
    return tuple(items)


# The seller's documented keys (nicepay-v2.md §2.4) and their sizes. [inferred] NICEPAY gives no
# sizes: names, address, city, post code and phone take its billing/delivery fields' (§2.1); the
# id, e-mail and country get generous bounds of our own.
SELLER_FIELDS = {"sellersId": 50, "sellersNm": 100, "sellersEmail": 100, "sellersUrl": 255}
ADDRESS_FIELDS = {
    "sellerNm": 100,
    "sellerLastNm": 100,
    "sellerAddr": 255,
    "sellerCity": 50,
    "sellerPostCd": 10,
    "sellerPhone": 15,
    "sellerCountry": 50,
}


def _texts(data: dict[str, Any], sizes: dict[str, int], where: str) -> dict[str, str]:
    """The documented keys of `data` that were sent, each text (or a whole JSON number, kept as its
    digits) of at most its size; other keys are not read. Raises InvalidField (9003) naming the key."""
    found = {}
    for key, size in sizes.items():
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a post code or phone sent as a JSON number, as top-level fields may be
        if not isinstance(value, str):
            raise InvalidField("sellers", f"{where}.{key} must be text (a JSON string)")
        if len(value) > size:
            raise InvalidField("sellers", f"{where}.{key} must be at most {size} characters")
        found[key] = value
    return found


def _seller(s: Any, where: str) -> Seller:
    if not isinstance(s, dict):
        raise InvalidField("sellers", f"{where} must be a seller object")
    fields = _texts(s, SELLER_FIELDS, where)
    if not fields.get("sellersId", "").strip():
        raise InvalidField("sellers", f"{where} needs a sellersId")
    address = s.get("sellersAddress", {})
    if not isinstance(address, dict):
        raise InvalidField("sellers", f"{where}.sellersAddress must be an object")
    return Seller(
        id=fields["sellersId"],
        name=fields.get("sellersNm", ""),
        email=fields.get("sellersEmail", ""),
        url=fields.get("sellersUrl", ""),
        address=_texts(address, ADDRESS_FIELDS, f"{where}.sellersAddress"),
    )


def parse_sellers(raw: str) -> tuple[Seller, ...]:
    """The sellers of a sellers string (an object or an array of them): each an object whose
    documented keys are text of sane size, sellersAddress an object. Raises InvalidField (9003)."""
    try:
        data = textcheck.loads(raw, "sellers")
    except textcheck.BadText as exc:
        raise InvalidField("sellers", exc.message)
    except textcheck.BadJson:
        raise InvalidField("sellers", "sellers is not valid JSON")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InvalidField("sellers", "sellers must be a JSON array of seller objects")
    return tuple(_seller(s, f"sellers[{i}]") for i, s in enumerate(data))
