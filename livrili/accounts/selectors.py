from .models import User


def user_list():
    return User.objects.prefetch_related("groups").order_by("username")
