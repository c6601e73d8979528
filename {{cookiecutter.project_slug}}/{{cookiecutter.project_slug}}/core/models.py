from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """The first answer to a write sent with an Idempotency-Key, replayed to its retries
    (core/api/idempotency.py)."""

    # Whose key it is: "user:<id>", or "address:<ip>" for an anonymous caller.
    caller = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    # Which request the key was first sent with: a retry must send the same.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    # Indexed: the purge of expired keys reads by it.
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_key_per_caller"),
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"
