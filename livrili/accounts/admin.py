from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from livrili.core.admin import AuditedAdminMixin, domain_error_text
from livrili.core.errors import DomainError

from . import selectors, services
from .models import User
from .roles import group_label


class GroupFilter(admin.SimpleListFilter):
    """The staff groups by their translated names."""

    title = _("groups")
    parameter_name = "group"

    def lookups(self, request, model_admin):
        return [(group.pk, group_label(group.name)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups__pk=self.value()) if self.value() else queryset


# What nobody changes on their own account.
OWN_PRIVILEGE_FIELDS = ("role", "retailer", "is_active", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    """Changes go through `services.user_update`, the rule the API applies: accounts the staff
    member may not manage are read-only (and their password form refused), the superuser flag is
    for superusers, and only groups and permissions the staff member holds are offered."""

    audited_fields = services.AUDITED_FIELDS  # what an add records; changes audit in user_update
    list_display = ("username", "full_name", "email", "phone", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", GroupFilter, "preferred_language")
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

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.user_can_manage(actor=request.user, user=obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or services.user_can_manage(actor=request.user, user=obj))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += [name for name in OWN_PRIVILEGE_FIELDS if name not in fields]
        elif not request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = selectors.groups_grantable_by(request.user)
        elif db_field.name == "user_permissions":
            kwargs["queryset"] = selectors.permissions_grantable_by(request.user)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label_from_instance = lambda group: group_label(group.name)
        return field

    def save_model(self, request, obj, form, change):
        if not change:  # the add form sets no privilege
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        for name in ("groups", "user_permissions"):
            if name in data:
                data[name] = list(data[name])
        try:
            services.user_update(actor=request.user, user=obj, **data)
        except DomainError as exc:
            raise ValidationError(domain_error_text(exc)) from exc

    def save_related(self, request, form, formsets, change):
        if not change:  # on change, user_update saved groups and permissions
            super().save_related(request, form, formsets, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:  # a refusal from the service: the transaction is rolled back
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
