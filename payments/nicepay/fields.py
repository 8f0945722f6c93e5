"""V2 field names and the Transaction fields they fill (nicepay-v2.md §2.1)."""

BILLING = {
    "billingNm": "billing_name",
    "billingPhone": "billing_phone",
    "billingEmail": "billing_email",
    "billingAddr": "billing_address",
    "billingCity": "billing_city",
    "billingState": "billing_state",
    "billingPostCd": "billing_post_code",
    "billingCountry": "billing_country",
}
DELIVERY = {
    "deliveryNm": "delivery_name",
    "deliveryPhone": "delivery_phone",
    "deliveryAddr": "delivery_address",
    "deliveryCity": "delivery_city",
    "deliveryState": "delivery_state",
    "deliveryPostCd": "delivery_post_code",
    "deliveryCountry": "delivery_country",
}
