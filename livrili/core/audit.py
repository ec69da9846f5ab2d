"""One place that writes the audit trail (actor, IP, user agent, field diff)."""

import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder

from .context import current
from .models import AuditLog


def authenticated_actor(actor):
    """The user to record as the author of a change: `actor` when it is a signed-in user, else
    None (system work such as tasks and seeds passes None; a request may carry AnonymousUser)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def snapshot(instance, fields) -> dict:
    return {name: getattr(instance, name) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed (JSON-safe)."""
    changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    return json.loads(json.dumps(changed, cls=DjangoJSONEncoder))


def audit_record(*, actor, instance, action: str, changes: dict | None = None) -> AuditLog | None:
    """Record one change; an update that changed nothing writes nothing."""
    if action == "update" and not changes:
        return None
    context = current.get()
    return AuditLog.objects.create(
        actor=authenticated_actor(actor),
        action=action,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
        ip=context.ip,
        user_agent=context.user_agent,
    )
