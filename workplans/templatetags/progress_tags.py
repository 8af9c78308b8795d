"""Verified results on pages outside workplans (the project page): an indicator's
achievements against its baseline and target, with a progress bar that also says it in
words."""

from django import template

from workplans.selectors_results import IndicatorProgress

register = template.Library()


@register.inclusion_tag("workplans/progress/_indicator_result.html")
def indicator_result(indicator, progress: dict):
    """Two table cells: verified achievements (cumulative and per quarter) and how far they
    have gone from the baseline to the target.

    Usage: {% indicator_result indicator indicator_progress %}
    """
    entry = progress.get(indicator.pk) or IndicatorProgress(indicator_id=indicator.pk)
    share = entry.share_of_target(indicator.baseline, indicator.target)
    return {
        "indicator": indicator,
        "entry": entry,
        "current": entry.current(indicator.baseline),
        "share": share,
        # The bar stops at 100; the words say when the target was passed.
        "bar": None if share is None else max(0, min(100, round(share))),
    }
