# A referenceNo may be registered again once its earlier transactions ended unpaid: the unique
# constraint now covers only open (9, 3, 4) and paid (0) transactions.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0007_unverified_callbacks_and_nonces'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='transaction',
            name='txn_merchant_reference_uniq',
        ),
        migrations.AddIndex(
            model_name='transaction',
            index=models.Index(fields=['merchant', 'reference_no'], name='txn_merchant_reference_idx'),
        ),
        migrations.AddConstraint(
            model_name='transaction',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['0', '3', '4', '9'])), fields=('merchant', 'reference_no'), name='txn_merchant_reference_live_uniq'),
        ),
    ]
