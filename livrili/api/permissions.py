"""Role and permission checks shared by every app's views."""

from rest_framework.permissions import BasePermission, DjangoModelPermissions


class IsStaff(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class IsRetailer(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == "retailer" and user.retailer_id)


class IsDriver(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == "driver")


class StaffModelPermissions(DjangoModelPermissions):
    """Staff with the model permission for the method; reads need `view_<model>`."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        return IsStaff().has_permission(request, view) and super().has_permission(request, view)


def has_perms(*perms: str):
    """A permission class requiring staff and every named Django permission."""

    class HasPerms(BasePermission):
        def has_permission(self, request, view):
            return IsStaff().has_permission(request, view) and request.user.has_perms(perms)

    HasPerms.__name__ = "HasPerms_" + "_".join(p.split(".")[-1] for p in perms)
    return HasPerms
