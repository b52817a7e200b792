"""Filters of the leads' agreement page: an undefined figure reads "undefined", never 0."""

from django import template

register = template.Library()

UNDEFINED = "undefined"


@register.filter
def coefficient(value: float | None) -> str:
    """Kappa or alpha with three decimals."""
    return UNDEFINED if value is None else f"{value:.3f}"


@register.filter
def percent(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value:.1f}%"

