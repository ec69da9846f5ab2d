from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from livrili.core.admin import AuditedAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audited_fields = (
        "username",
        "full_name",
        "email",
        "phone",
        "role",
        "preferred_language",
        "is_active",
        "is_superuser",
    )
    list_display = ("username", "full_name", "email", "phone", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "groups", "preferred_language")
    search_fields = ("username", "full_name", "email", "phone")
    ordering = ("username",)
    autocomplete_fields = ("retailer",)
    list_select_related = ("retailer",)
    readonly_fields = ("last_login", "date_joined", "is_staff")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("full_name", "email", "phone", "preferred_language")}),
        (
            _("Access"),
            {"fields": ("role", "retailer", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "email", "phone", "role", "retailer", "password1", "password2"),
            },
        ),
    )
