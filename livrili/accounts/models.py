import uuid

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .phones import normalize_phone


class Role(models.TextChoices):
    ADMIN = "admin", _("Staff")
    RETAILER = "retailer", _("Retailer")
    DRIVER = "driver", _("Driver")


class Language(models.TextChoices):
    AR = "ar", _("Arabic")
    FR = "fr", _("French")
    EN = "en", _("English")


class UserManager(DjangoUserManager):
    def _create_user(self, username, email, password, **extra_fields):
        user = self.model(username=username, email=email or None, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.update(role=Role.ADMIN, is_superuser=True)
        return self._create_user(username, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One user model for staff, retailer members and drivers. Staff powers come from
    Django groups and permissions; `is_staff` follows the role (a database constraint)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(_("username"), max_length=150, unique=True)
    email = models.EmailField(_("e-mail"), unique=True, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=16, unique=True, null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.RETAILER)
    retailer = models.ForeignKey(
        "retailers.Retailer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("retailer"),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.AR
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False, editable=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.ADMIN, is_staff=True) | (~Q(role=Role.ADMIN) & Q(is_staff=False)),
                name="user_staff_iff_admin_role",
            ),
            models.CheckConstraint(
                condition=Q(is_superuser=False) | Q(role=Role.ADMIN), name="user_superuser_is_admin"
            ),
            models.CheckConstraint(
                condition=Q(role=Role.RETAILER, retailer__isnull=False)
                | (~Q(role=Role.RETAILER) & Q(retailer__isnull=True)),
                name="user_retailer_iff_retailer_role",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def clean(self):
        super().clean()
        self.normalize()
        if self.role == Role.RETAILER and not self.retailer_id:
            raise ValidationError({"retailer": _("A retailer member belongs to a retailer.")})
        if self.role != Role.RETAILER and self.retailer_id:
            raise ValidationError({"retailer": _("Only retailer members belong to a retailer.")})

    def normalize(self):
        self.username = self.username.strip().lower()
        self.email = self.email.strip().lower() if self.email else None
        self.phone = normalize_phone(self.phone) if self.phone else None
        self.is_staff = self.role == Role.ADMIN

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.username


class PasswordResetCode(models.Model):
    """A single-use 6-digit code; stored as an HMAC, valid 15 minutes, void after 5 wrong tries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_codes", db_index=False)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"reset code for {self.user_id}"
