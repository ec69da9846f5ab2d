from .models import User


def user_list():
    return User.objects.select_related("retailer").prefetch_related("groups").order_by("username")
