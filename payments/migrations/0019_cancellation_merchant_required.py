import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_merchant(apps, schema_editor):
    """Every cancellation gets its transaction's merchant before the column turns NOT NULL."""
    cancellation = apps.get_model("payments", "Cancellation")
    transaction = apps.get_model("payments", "Transaction")
    cancellation.objects.filter(merchant__isnull=True).update(
        merchant_id=Subquery(transaction.objects.filter(pk=OuterRef("transaction_id")).values("merchant_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0018_merchantmember_grant_owner"),
    ]

    operations = [
        migrations.RunPython(copy_merchant, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="cancellation",
            name="merchant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cancellations",
                to="payments.merchant",
            ),
        ),
    ]
