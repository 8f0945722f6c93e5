from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0017_merchant_money_security"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="merchantmember",
            options={
                "permissions": [("grant_owner", "Can grant, change or remove a merchant's owner role")]
            },
        ),
    ]
