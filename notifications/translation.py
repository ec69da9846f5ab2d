from modeltranslation.translator import TranslationOptions, register

from .models import Broadcast, NotificationTemplate


@register(NotificationTemplate)
class NotificationTemplateTranslationOptions(TranslationOptions):
    # Missing languages fall back ar → fr → en when rendered (notifications/rendering.py).
    fields = ("subject", "body")


@register(Broadcast)
class BroadcastTranslationOptions(TranslationOptions):
    # Each recipient reads its language, falling back ar → fr → en (notifications/broadcasts.py).
    fields = ("title", "body")
