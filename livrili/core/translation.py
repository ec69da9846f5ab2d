from modeltranslation.translator import TranslationOptions, register

from .models import Wilaya


@register(Wilaya)
class WilayaTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("ar", "fr", "en")
