from django import template

from ..pdf import format_dzd, format_rate

register = template.Library()


@register.filter
def dzd(amount, language):
    return format_dzd(amount, language)


@register.filter
def rate(value, language):
    return format_rate(value, language)
