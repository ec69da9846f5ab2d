"""What the v1 import wrote: one row per v1 source row (or derived ledger entry), the key that
makes the import re-runnable, with the source row kept verbatim so nothing of v1 is lost."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedRow(models.Model):
    """A v1 row (`source_table`, `source_id`) and what it became (`target`, `target_id`, empty
    when it is kept here only). Written once, never updated: its presence means "done"."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source_table = models.CharField(_("source table"), max_length=40)
    source_id = models.CharField(_("source id"), max_length=100)
    target = models.CharField(_("target"), max_length=60, blank=True)
    target_id = models.CharField(_("target id"), max_length=100, blank=True)
    data = models.JSONField(_("source row"), default=dict, blank=True)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["source_table", "source_id"]
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        constraints = [
            models.UniqueConstraint(fields=["source_table", "source_id"], name="imported_row_source_unique"),
        ]

    def __str__(self):
        return f"{self.source_table}:{self.source_id} → {self.target}:{self.target_id}"
