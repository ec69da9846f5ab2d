"""The system templates: one per event of workflows §8 and channel, in ar/fr/en. Synced after
every migrate: missing ones are created, existing ones (maybe edited by staff) are kept."""

import logging

logger = logging.getLogger("livrili.notifications")

IN_APP, EMAIL, SMS, PUSH = "in_app", "email", "sms", "push"
ALL = (IN_APP, EMAIL, SMS, PUSH)

# event: (category, variables, channels, {language: (subject, body)})
SYSTEM_TEMPLATES: dict[str, tuple[str, list[str], tuple[str, ...], dict[str, tuple[str, str]]]] = {
    "retailer_approved": (
        "system",
        ["business_name"],
        ALL,
        {
            "ar": ("تم قبول حسابك", "مرحبا بكم في ليفريلي! تم قبول حساب {business_name} ويمكنكم الآن تقديم الطلبات."),
            "fr": (
                "Votre compte est approuvé",
                "Bienvenue sur Livrili ! Le compte {business_name} est approuvé : vous pouvez commander.",
            ),
            "en": (
                "Your account is approved",
                "Welcome to Livrili! {business_name} is approved: you can now place orders.",
            ),
        },
    ),
    "retailer_rejected": (
        "system",
        ["business_name", "reason"],
        (IN_APP, EMAIL, SMS),
        {
            "ar": ("تم رفض طلب التسجيل", "لم يتم قبول حساب {business_name}. السبب: {reason}"),
            "fr": ("Inscription refusée", "Le compte {business_name} n'a pas été approuvé. Motif : {reason}"),
            "en": ("Registration declined", "{business_name} was not approved. Reason: {reason}"),
        },
    ),
    "retailer_suspended": (
        "system",
        ["business_name", "reason"],
        ALL,
        {
            "ar": ("تم تعليق حسابك", "تم تعليق حساب {business_name}. السبب: {reason}"),
            "fr": ("Compte suspendu", "Le compte {business_name} est suspendu. Motif : {reason}"),
            "en": ("Account suspended", "{business_name} is suspended. Reason: {reason}"),
        },
    ),
    "order_placed": (
        "orders",
        ["order_number", "total"],
        (IN_APP, EMAIL, PUSH),
        {
            "ar": ("تم استلام طلبك {order_number}", "استلمنا طلبك {order_number} بمبلغ {total} دج."),
            "fr": (
                "Commande {order_number} reçue",
                "Nous avons reçu votre commande {order_number} d'un montant de {total} DA.",
            ),
            "en": ("Order {order_number} received", "We received your order {order_number} for {total} DZD."),
        },
    ),
    "order_held": (
        "orders",
        ["order_number", "total"],
        (IN_APP, EMAIL, PUSH),
        {
            "ar": (
                "طلبك {order_number} قيد المراجعة",
                "طلبك {order_number} ({total} دج) يتجاوز رصيدك الائتماني وهو في انتظار المراجعة.",
            ),
            "fr": (
                "Commande {order_number} en attente",
                "Votre commande {order_number} ({total} DA) dépasse votre crédit : elle attend une validation.",
            ),
            "en": (
                "Order {order_number} on hold",
                "Your order {order_number} ({total} DZD) exceeds your available credit and awaits review.",
            ),
        },
    ),
    "order_confirmed": (
        "orders",
        ["order_number", "delivery_date"],
        ALL,
        {
            "ar": ("تم تأكيد طلبك {order_number}", "تم تأكيد طلبك {order_number}. التسليم المتوقع: {delivery_date}."),
            "fr": (
                "Commande {order_number} confirmée",
                "Votre commande {order_number} est confirmée. Livraison prévue : {delivery_date}.",
            ),
            "en": (
                "Order {order_number} confirmed",
                "Your order {order_number} is confirmed. Expected delivery: {delivery_date}.",
            ),
        },
    ),
    "order_shipped": (
        "orders",
        ["order_number"],
        ALL,
        {
            "ar": ("طلبك {order_number} في الطريق", "طلبك {order_number} في الطريق إليك."),
            "fr": ("Commande {order_number} en route", "Votre commande {order_number} est en route."),
            "en": ("Order {order_number} on its way", "Your order {order_number} is on its way."),
        },
    ),
    "order_delivered": (
        "orders",
        ["order_number", "total"],
        (IN_APP, EMAIL, PUSH),
        {
            "ar": ("تم تسليم طلبك {order_number}", "تم تسليم طلبك {order_number} ({total} دج). شكرا لثقتكم."),
            "fr": ("Commande {order_number} livrée", "Votre commande {order_number} ({total} DA) est livrée. Merci !"),
            "en": (
                "Order {order_number} delivered",
                "Your order {order_number} ({total} DZD) was delivered. Thank you!",
            ),
        },
    ),
    "order_cancelled": (
        "orders",
        ["order_number", "reason"],
        ALL,
        {
            "ar": ("تم إلغاء طلبك {order_number}", "تم إلغاء طلبك {order_number}. السبب: {reason}"),
            "fr": ("Commande {order_number} annulée", "Votre commande {order_number} est annulée. Motif : {reason}"),
            "en": ("Order {order_number} cancelled", "Your order {order_number} was cancelled. Reason: {reason}"),
        },
    ),
    "delivery_assigned": (
        "deliveries",
        ["delivery_number", "address", "scheduled_date"],
        (IN_APP, SMS, PUSH),
        {
            "ar": (
                "توصيلة جديدة {delivery_number}",
                "أسندت إليك التوصيلة {delivery_number} يوم {scheduled_date}: {address}",
            ),
            "fr": (
                "Nouvelle livraison {delivery_number}",
                "La livraison {delivery_number} vous est confiée le {scheduled_date} : {address}",
            ),
            "en": (
                "New delivery {delivery_number}",
                "Delivery {delivery_number} is assigned to you on {scheduled_date}: {address}",
            ),
        },
    ),
    "delivery_failed": (
        "deliveries",
        ["order_number", "reason"],
        ALL,
        {
            "ar": ("تعذر تسليم طلبك {order_number}", "تعذر تسليم طلبك {order_number}. السبب: {reason}. سنتصل بكم."),
            "fr": (
                "Livraison de {order_number} impossible",
                "La livraison de votre commande {order_number} a échoué. Motif : {reason}. Nous vous recontactons.",
            ),
            "en": (
                "Delivery of {order_number} failed",
                "We could not deliver your order {order_number}. Reason: {reason}. We will contact you.",
            ),
        },
    ),
    "payment_received": (
        "payments",
        ["amount", "reference"],
        ALL,
        {
            "ar": ("تم استلام دفعتك", "استلمنا دفعتك بمبلغ {amount} دج (المرجع {reference}). شكرا."),
            "fr": ("Paiement reçu", "Nous avons reçu votre paiement de {amount} DA (référence {reference}). Merci."),
            "en": ("Payment received", "We received your payment of {amount} DZD (reference {reference}). Thank you."),
        },
    ),
    "invoice_issued": (
        "payments",
        ["invoice_number", "total", "due_date"],
        (IN_APP, EMAIL, PUSH),
        {
            "ar": (
                "فاتورة جديدة {invoice_number}",
                "صدرت الفاتورة {invoice_number} بمبلغ {total} دج، تستحق في {due_date}.",
            ),
            "fr": (
                "Nouvelle facture {invoice_number}",
                "La facture {invoice_number} de {total} DA est émise, échéance le {due_date}.",
            ),
            "en": (
                "New invoice {invoice_number}",
                "Invoice {invoice_number} for {total} DZD is issued, due on {due_date}.",
            ),
        },
    ),
    "invoice_overdue": (
        "payments",
        ["invoice_number", "amount_due", "due_date"],
        ALL,
        {
            "ar": (
                "فاتورة متأخرة {invoice_number}",
                "الفاتورة {invoice_number} متأخرة منذ {due_date}. المبلغ المتبقي: {amount_due} دج.",
            ),
            "fr": (
                "Facture {invoice_number} en retard",
                "La facture {invoice_number} est échue depuis le {due_date}. Reste dû : {amount_due} DA.",
            ),
            "en": (
                "Invoice {invoice_number} overdue",
                "Invoice {invoice_number} was due on {due_date}. Amount due: {amount_due} DZD.",
            ),
        },
    ),
    "credit_limit_changed": (
        "payments",
        ["credit_limit"],
        (IN_APP, EMAIL),
        {
            "ar": ("تم تعديل سقف الائتمان", "سقف الائتمان الخاص بكم أصبح {credit_limit} دج."),
            "fr": ("Plafond de crédit modifié", "Votre plafond de crédit est désormais de {credit_limit} DA."),
            "en": ("Credit limit changed", "Your credit limit is now {credit_limit} DZD."),
        },
    ),
    "credit_nearly_exhausted": (
        "payments",
        ["available_credit", "credit_limit"],
        (IN_APP, EMAIL, SMS, PUSH),
        {
            "ar": (
                "رصيدك الائتماني على وشك النفاد",
                "بقي لكم {available_credit} دج من أصل {credit_limit} دج من الائتمان.",
            ),
            "fr": ("Crédit presque épuisé", "Il vous reste {available_credit} DA de crédit sur {credit_limit} DA."),
            "en": (
                "Credit nearly used up",
                "You have {available_credit} DZD of credit left out of {credit_limit} DZD.",
            ),
        },
    ),
    "low_stock": (
        "system",
        ["sku", "product_name", "stock_quantity"],
        (IN_APP, EMAIL, PUSH),
        {
            "ar": ("مخزون منخفض: {sku}", "المنتج {product_name} ({sku}) بقي منه {stock_quantity} فقط."),
            "fr": ("Stock bas : {sku}", "Il ne reste que {stock_quantity} de {product_name} ({sku})."),
            "en": ("Low stock: {sku}", "Only {stock_quantity} left of {product_name} ({sku})."),
        },
    ),
    # Staff alerts raised by analytics (credit over limit, invoice overdue, handover discrepancy…):
    # the caller composes title and message in each recipient's language.
    "analytics_alert": (
        "system",
        ["title", "message"],
        (IN_APP, EMAIL, PUSH),
        {
            "ar": ("تنبيه: {title}", "{message}"),
            "fr": ("Alerte : {title}", "{message}"),
            "en": ("Alert: {title}", "{message}"),
        },
    ),
    "credit_hold": (
        "orders",
        ["order_number", "retailer_name", "total"],
        (IN_APP, EMAIL, PUSH),
        {
            "ar": (
                "طلب معلق: {order_number}",
                "طلب {retailer_name} رقم {order_number} ({total} دج) معلق بسبب الائتمان.",
            ),
            "fr": (
                "Commande bloquée : {order_number}",
                "La commande {order_number} de {retailer_name} ({total} DA) est bloquée pour crédit.",
            ),
            "en": (
                "Order on credit hold: {order_number}",
                "{retailer_name}'s order {order_number} ({total} DZD) is on credit hold.",
            ),
        },
    ),
    "password_reset": (
        "system",
        ["code", "minutes"],
        (EMAIL, SMS),
        {
            "ar": ("رمز إعادة تعيين كلمة المرور", "رمز إعادة تعيين كلمة المرور: {code}. صالح لمدة {minutes} دقيقة."),
            "fr": ("Code de réinitialisation", "Votre code de réinitialisation : {code}. Valable {minutes} minutes."),
            "en": ("Password reset code", "Your password reset code: {code}. Valid for {minutes} minutes."),
        },
    ),
    "broadcast": (
        "promotions",
        ["title", "message"],
        ALL,
        {
            "ar": ("{title}", "{message}"),
            "fr": ("{title}", "{message}"),
            "en": ("{title}", "{message}"),
        },
    ),
}


def system_templates_sync() -> int:
    """Create the system templates that do not exist yet; returns how many were created."""
    from .models import NotificationTemplate

    created = 0
    for event, (category, variables, channels, texts) in SYSTEM_TEMPLATES.items():
        for channel in channels:
            fields = {
                f"{field}_{lang}": text
                for lang, pair in texts.items()
                for field, text in zip(("subject", "body"), pair, strict=True)
            }
            _template, was_created = NotificationTemplate.objects.get_or_create(
                event=event,
                channel=channel,
                defaults={"category": category, "variables": variables, "is_system": True, **fields},
            )
            created += was_created
    return created


def system_templates_sync_after_migrate(sender, **kwargs):
    created = system_templates_sync()
    if created:
        logger.info("notification templates seeded: %s", created)
