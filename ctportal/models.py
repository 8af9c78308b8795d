from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class FiguresVersion(models.Model):
    """One row whose token changes after every committed write to the data the figures
    are read from (ctportal.figures_cache): a cached dashboard or summary is keyed by it."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "figures version"

    def __str__(self) -> str:
        return self.token
