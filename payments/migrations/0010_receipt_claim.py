# A claim before asking the partner to confirm a receipt: one request at a time (replays).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0009_txid_counter'),
    ]

    operations = [
        migrations.AddField(
            model_name='transaction',
            name='receipt_requested_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
