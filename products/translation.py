from modeltranslation.translator import TranslationOptions, register

from .models import Category, Product, Tag


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"ar": ("name",), "fr": ("name",), "en": ("name",)}


@register(Product)
class ProductTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"ar": ("name",), "fr": ("name",), "en": ("name",)}


@register(Tag)
class TagTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("ar", "fr", "en")
