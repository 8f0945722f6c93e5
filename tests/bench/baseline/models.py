from django.db import models


class BenchRow(models.Model):
    """One row per minimal insert: what a registration stores at the least."""

    imid = models.CharField(max_length=10)
    reference_no = models.CharField(max_length=40, unique=True)
    amount = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
