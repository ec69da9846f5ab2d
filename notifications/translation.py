from modeltranslation.translator import TranslationOptions, register

from .models import NotificationTemplate


@register(NotificationTemplate)
class NotificationTemplateTranslationOptions(TranslationOptions):
    # Missing languages fall back ar → fr → en when rendered (notifications/rendering.py).
    fields = ("subject", "body")
