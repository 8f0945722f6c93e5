from django.db import migrations, models
from django.db.models import F


def settle_old_attempts(apps, schema_editor):
    """Attempts recorded before this field existed were written after their answer: finished."""
    attempt = apps.get_model("payments", "NotificationAttempt")
    attempt.objects.filter(finished_at__isnull=True).update(finished_at=F("started_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0009_txid_counter"),
    ]

    operations = [
        migrations.AddField(
            model_name="notificationattempt",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(settle_old_attempts, migrations.RunPython.noop),
    ]
