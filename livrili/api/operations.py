"""What the OpenAPI document says about each operation: a summary (what ReDoc and Swagger list
instead of the operationId) and, where it helps, a one-paragraph description, keyed by
(method, path) as the schema spells them. `EnvelopeAutoSchema` reads this table; an operation
missing here has no summary and `livrili/tests/test_openapi_operations.py` fails: a new endpoint
adds its row here (one module for every app, so branches adding endpoints only append rows).

Tags come from the view's app (`TAG_BY_APP`), refined by path prefix (`TAG_BY_PATH`) where an
app serves another audience's URLs; `TAGS` is the declared list with its descriptions
(SPECTACULAR_SETTINGS["TAGS"]). The texts are English: the reference for client authors, not
user-facing strings."""

from typing import NamedTuple


class Operation(NamedTuple):
    summary: str
    description: str = ""


AUTH = "Auth and users"
CATALOG = "Catalog"
RETAILERS = "Retailers"
ORDERS = "Cart and orders"
DELIVERIES = "Deliveries and routes"
DRIVERS = "Drivers"
BILLING = "Billing"
NOTIFICATIONS = "Notifications"
ANALYTICS = "Analytics"
SERVICE = "Service"

TAGS = [
    {"name": AUTH, "description": "Log in, tokens, the caller's own account and password; staff manage user accounts."},
    {
        "name": CATALOG,
        "description": "Categories, products, price tiers, images, stock, tags and suppliers. Everyone signed in "
        "reads the catalog (retailers see active products only); staff write it.",
    },
    {
        "name": RETAILERS,
        "description": "The retailer's self-service account (signup, profile, addresses, documents, members, "
        "statement) and the back office's retailer management: approval workflow, credit limit, ledger.",
    },
    {
        "name": ORDERS,
        "description": "The retailer's cart and orders (placement, tracking, cancellation, reorder, rating) and "
        "the back office's order management: manual orders, status changes, credit holds, statistics.",
    },
    {"name": DELIVERIES, "description": "Back office dispatch: deliveries, driver assignment and daily routes."},
    {
        "name": DRIVERS,
        "description": "Driver management for staff, and the driver app's own endpoints (`drivers/me/...`): "
        "status, location, route, deliveries, proofs and cash in custody.",
    },
    {"name": BILLING, "description": "Invoices and their PDFs, for finance staff and for the retailer's owner."},
    {
        "name": NOTIFICATIONS,
        "description": "Every user's inbox, preferences and push subscriptions; staff edit the message templates "
        "and send broadcasts.",
    },
    {"name": ANALYTICS, "description": "Dashboards, reports and alerts for staff."},
    {"name": SERVICE, "description": "Liveness and readiness probes for the load balancer and monitoring."},
]

# The app of the view's module (its first package; `livrili.<app>` for the project's own).
TAG_BY_APP = {
    "accounts": AUTH,
    "products": CATALOG,
    "retailers": RETAILERS,
    "orders": ORDERS,
    "deliveries": DELIVERIES,
    "billing": BILLING,
    "notifications": NOTIFICATIONS,
    "analytics": ANALYTICS,
    "api": SERVICE,
}

# Paths one app serves for another audience; the longest matching prefix wins over the app.
TAG_BY_PATH = {
    "/api/v1/drivers": DRIVERS,
    "/api/v1/products": CATALOG,  # popular and recommendations are computed by orders
    "/api/v1/retailers/orders": ORDERS,  # the rating is recorded by deliveries
    "/api/v1/retailers/cart": ORDERS,
}

STAFF_LIST = "Staff with the view permission; paginated (`limit`, `offset`)."
SELF = "The caller's own retailer, whatever its status."
OWNER = "The retailer's owner only (other members get 403)."
TRANSITION = (
    "From any other status: 422 INVALID_TRANSITION. The change is kept in the retailer's history and its "
    "owner is notified."
)

OPERATIONS: dict[tuple[str, str], Operation] = {
    # --- Auth and users ------------------------------------------------------------------
    ("POST", "/api/v1/auth/login"): Operation(
        "Log in",
        "Exchanges an identifier (e-mail, phone or username) and password for an access and a refresh "
        "token, with the signed-in user's profile. Wrong credentials answer 401; "
        "attempts are throttled per IP and per identifier (429).",
    ),
    ("POST", "/api/v1/auth/refresh"): Operation(
        "Refresh the access token",
        "Rotates the refresh token: answers a new access and refresh token and blacklists the one sent. "
        "An expired, blacklisted or invalid refresh token answers 401.",
    ),
    ("POST", "/api/v1/auth/logout"): Operation(
        "Log out", "Blacklists the given refresh token so it can no longer be used; the access token expires by itself."
    ),
    ("GET", "/api/v1/auth/me"): Operation(
        "Show the signed-in user",
        "The caller's profile, role, preferred language and retailer (null for staff and drivers).",
    ),
    ("PATCH", "/api/v1/auth/me"): Operation(
        "Update the signed-in user", "Changes the caller's own profile fields and preferred language."
    ),
    ("POST", "/api/v1/auth/password/change"): Operation(
        "Change the password", "Requires the current password (a wrong one answers 400)."
    ),
    ("POST", "/api/v1/auth/password/reset"): Operation(
        "Request a password reset code",
        "Sends a 6-digit code by e-mail or SMS, valid 15 minutes. Answers 200 whether or not the account "
        "exists, so it reveals nothing; throttled.",
    ),
    ("POST", "/api/v1/auth/password/reset/confirm"): Operation(
        "Reset the password with a code",
        "Sets a new password from the identifier and the code received. The code is single use and void after "
        "5 wrong tries; a wrong or expired code answers 400.",
    ),
    ("GET", "/api/v1/users"): Operation("List user accounts", STAFF_LIST),
    ("POST", "/api/v1/users"): Operation(
        "Create a user account", "Staff create staff, driver or retailer-member accounts."
    ),
    ("GET", "/api/v1/users/{id}"): Operation("Show a user account"),
    ("PATCH", "/api/v1/users/{id}"): Operation(
        "Update a user account", "Changes a user's details, role or staff groups; role changes are audited."
    ),
    ("POST", "/api/v1/users/{id}/deactivate"): Operation("Deactivate a user account", "The user can no longer log in."),
    # --- Catalog ---------------------------------------------------------------------------
    ("GET", "/api/v1/categories"): Operation(
        "List categories", "Everyone signed in; retailers see active categories only."
    ),
    ("POST", "/api/v1/categories"): Operation("Create a category", "Catalog staff only."),
    ("GET", "/api/v1/categories/tree"): Operation(
        "Show the category tree", "Categories nested under their parents; retailers see active ones only."
    ),
    ("GET", "/api/v1/categories/{id}"): Operation("Show a category"),
    ("PATCH", "/api/v1/categories/{id}"): Operation("Update a category", "Catalog staff only."),
    ("DELETE", "/api/v1/categories/{id}"): Operation(
        "Delete a category", "Refused with 409 CONFLICT while products or child categories still belong to it."
    ),
    ("GET", "/api/v1/products"): Operation(
        "List products",
        "Filters by category (with its descendants), tag, brand, supplier, stock, price range; searches SKU, "
        "barcode and names in every language. Retailers see a product only if it and all its ancestor "
        "categories are active; staff may include inactive ones.",
    ),
    ("POST", "/api/v1/products"): Operation(
        "Create a product", "Catalog staff only; price tiers are written nested in the product body."
    ),
    ("GET", "/api/v1/products/{id}"): Operation("Show a product"),
    ("PATCH", "/api/v1/products/{id}"): Operation(
        "Update a product", "Catalog staff only; sending `price_tiers` replaces the product's tiers."
    ),
    ("DELETE", "/api/v1/products/{id}"): Operation(
        "Delete a product", "A product that was ever ordered is refused with 409 CONFLICT: deactivate it instead."
    ),
    ("POST", "/api/v1/products/{id}/images"): Operation("Add a product image", "Multipart upload by catalog staff."),
    ("DELETE", "/api/v1/products/{id}/images/{image_id}"): Operation("Remove a product image"),
    ("POST", "/api/v1/products/{id}/stock"): Operation(
        "Adjust a product's stock",
        "Sets, adds or subtracts a quantity with a note, recorded as a stock movement; stock never goes below 0.",
    ),
    ("GET", "/api/v1/products/{id}/stock-movements"): Operation(
        "List a product's stock movements", "Every stock change of the product; staff only."
    ),
    ("POST", "/api/v1/products/{id}/view"): Operation(
        "Record a product view", "The retailer opened the product page; feeds its recently viewed list."
    ),
    ("POST", "/api/v1/products/bulk-tags"): Operation(
        "Tag products in bulk", "Adds, removes or replaces tags on a list of products at once; catalog staff only."
    ),
    ("GET", "/api/v1/products/by-sku/{sku}"): Operation(
        "Find a product by SKU", "The SKU matches in any case; an unknown one is a 404."
    ),
    ("GET", "/api/v1/products/by-barcode/{code}"): Operation(
        "Find a product by barcode", "For the scanner; an unknown barcode is a 404."
    ),
    ("GET", "/api/v1/products/suggestions"): Operation(
        "Suggest products, categories and brands", "Typeahead for the search box, from `q`."
    ),
    ("GET", "/api/v1/products/popular"): Operation(
        "List popular products", "Products with the most units in non-cancelled orders over the last 30 days."
    ),
    ("GET", "/api/v1/products/recommendations"): Operation(
        "List recommended products",
        "Products ordered together with what the retailer bought in the last 90 days, excluding what it already "
        "buys; popular products when there is no history.",
    ),
    ("GET", "/api/v1/products/recently-viewed"): Operation(
        "List recently viewed products", "The retailer's last 20 product views."
    ),
    ("GET", "/api/v1/tags"): Operation("List tags"),
    ("POST", "/api/v1/tags"): Operation("Create a tag", "Catalog staff only."),
    ("GET", "/api/v1/tags/{id}"): Operation("Show a tag"),
    ("PATCH", "/api/v1/tags/{id}"): Operation("Update a tag", "Catalog staff only."),
    ("DELETE", "/api/v1/tags/{id}"): Operation("Delete a tag", "Catalog staff only."),
    ("POST", "/api/v1/tags/{id}/merge"): Operation(
        "Merge a tag into another",
        "Moves the tag's products to the target tag, keeps its names as the target's aliases, then deletes it.",
    ),
    ("GET", "/api/v1/suppliers"): Operation("List suppliers", STAFF_LIST),
    ("POST", "/api/v1/suppliers"): Operation("Create a supplier"),
    ("GET", "/api/v1/suppliers/{id}"): Operation("Show a supplier"),
    ("PATCH", "/api/v1/suppliers/{id}"): Operation("Update a supplier"),
    ("DELETE", "/api/v1/suppliers/{id}"): Operation("Delete a supplier"),
    # --- Retailers: self-service -------------------------------------------------------------
    ("POST", "/api/v1/retailers/signup"): Operation(
        "Sign up as a retailer",
        "Creates the user and a pending retailer; the address becomes the default delivery address. Phone or "
        "e-mail is required. Answers 201 with the user and retailer (no tokens: the client then logs in); "
        "throttled.",
    ),
    ("GET", "/api/v1/retailers/profile"): Operation(
        "Show the retailer's profile",
        f"{SELF} Includes status, credit limit, balance, available credit, this month's orders and spend, and "
        "what is still missing for approval.",
    ),
    ("PATCH", "/api/v1/retailers/profile"): Operation(
        "Update the retailer's profile",
        f"{SELF} After approval the business name and legal ids are read-only here.",
    ),
    ("GET", "/api/v1/retailers/addresses"): Operation("List the retailer's delivery addresses", SELF),
    ("POST", "/api/v1/retailers/addresses"): Operation("Add a delivery address", SELF),
    ("PATCH", "/api/v1/retailers/addresses/{id}"): Operation(
        "Update a delivery address", f"{SELF} Another retailer's address is a 404."
    ),
    ("DELETE", "/api/v1/retailers/addresses/{id}"): Operation(
        "Delete a delivery address", f"{SELF} Another retailer's address is a 404."
    ),
    ("GET", "/api/v1/retailers/documents"): Operation("List the retailer's documents", SELF),
    ("POST", "/api/v1/retailers/documents"): Operation(
        "Upload a document", f"{SELF} Multipart upload of a registration or tax document."
    ),
    ("GET", "/api/v1/retailers/documents/{id}/file"): Operation(
        "Download a document's file", f"{SELF} Another retailer's document is a 404."
    ),
    ("GET", "/api/v1/retailers/members"): Operation("List the retailer's members", OWNER),
    ("POST", "/api/v1/retailers/members"): Operation(
        "Add a member", f"{OWNER} Creates a user account that orders for the same retailer."
    ),
    ("PATCH", "/api/v1/retailers/members/{id}"): Operation("Update a member", OWNER),
    ("GET", "/api/v1/retailers/statement"): Operation(
        "Show the retailer's account statement",
        f"{OWNER} The ledger between `date_from` and `date_to` (inclusive): opening balance, entries with "
        "their running balance, closing balance, totals, available credit and the open invoices with their "
        "age. `format=json` (default) pages the entries with `limit`/`offset` inside `entries_pagination` "
        "while the header figures cover the whole period; `format=pdf` downloads the whole statement "
        "(`application/pdf`, with a file name) in the owner's language; 503 SERVICE_UNAVAILABLE when PDFs "
        "cannot be produced.",
    ),
    # --- Retailers: back office ----------------------------------------------------------------
    ("GET", "/api/v1/retailers"): Operation(
        "List retailers",
        f"{STAFF_LIST} Filters by status, wilaya, business type and segment; searches names, phone, e-mail "
        "and legal ids.",
    ),
    ("POST", "/api/v1/retailers"): Operation("Create a retailer", "Staff register a retailer on its behalf."),
    ("GET", "/api/v1/retailers/{id}"): Operation("Show a retailer"),
    ("PATCH", "/api/v1/retailers/{id}"): Operation("Update a retailer"),
    ("POST", "/api/v1/retailers/{id}/approve"): Operation(
        "Approve a retailer",
        f"A pending retailer becomes active and may order. {TRANSITION} Legal ids still missing answer 400 "
        "VALIDATION_ERROR naming them.",
    ),
    ("POST", "/api/v1/retailers/{id}/reject"): Operation(
        "Reject a retailer", f"A pending retailer is refused; the reason is required. {TRANSITION}"
    ),
    ("POST", "/api/v1/retailers/{id}/suspend"): Operation(
        "Suspend a retailer", f"An active retailer can no longer order; the reason is required. {TRANSITION}"
    ),
    ("POST", "/api/v1/retailers/{id}/reactivate"): Operation(
        "Reactivate a retailer", f"A suspended retailer is active again. {TRANSITION}"
    ),
    ("POST", "/api/v1/retailers/{id}/close"): Operation(
        "Close a retailer",
        f"Closes the account for good; the reason is required, and a retailer with open orders is refused. "
        f"{TRANSITION}",
    ),
    ("POST", "/api/v1/retailers/{id}/credit-limit"): Operation(
        "Change a retailer's credit limit",
        "Finance sets the new limit with a reason; the change is kept in the retailer's history.",
    ),
    ("GET", "/api/v1/retailers/{id}/ledger"): Operation(
        "List a retailer's ledger entries", "Charges, payments, credits and adjustments."
    ),
    ("POST", "/api/v1/retailers/{id}/adjustments"): Operation(
        "Post a ledger adjustment", "Finance posts a debit, credit or write-off with an amount and a reason."
    ),
    ("GET", "/api/v1/retailers/{id}/events"): Operation(
        "List a retailer's history", "Status changes, credit limit changes and other events."
    ),
    # --- Cart and orders -------------------------------------------------------------------------
    ("GET", "/api/v1/retailers/cart"): Operation(
        "Show the cart",
        "The retailer's cart priced now: lines with their problems, totals, delivery fee, minimum order and "
        "the credit left after ordering it.",
    ),
    ("DELETE", "/api/v1/retailers/cart"): Operation("Empty the cart"),
    ("POST", "/api/v1/retailers/cart/items"): Operation(
        "Add a product to the cart",
        "Adds the quantity to the product's line (creating it); the resulting line must respect the product's "
        "minimum, multiple and stock (422 BELOW_MIN_QUANTITY, INVALID_QUANTITY_MULTIPLE, INSUFFICIENT_STOCK). "
        "An inactive or unknown product answers 422 PRODUCT_UNAVAILABLE; a retailer not active, 422 "
        "RETAILER_NOT_ACTIVE.",
    ),
    ("PATCH", "/api/v1/retailers/cart/items/{product_id}"): Operation(
        "Set a cart line's quantity", "Replaces the quantity of the product's line (creating it), with the same checks."
    ),
    ("DELETE", "/api/v1/retailers/cart/items/{product_id}"): Operation(
        "Remove a product from the cart", "A product not in the cart answers 404."
    ),
    ("POST", "/api/v1/retailers/cart/sync"): Operation(
        "Sync offline cart changes",
        "Replays up to 100 actions recorded offline by the PWA, in order; each is applied, adjusted or "
        "rejected with its reason, and the resulting cart is returned.",
    ),
    ("GET", "/api/v1/retailers/orders"): Operation("List the retailer's orders", "Its own orders only; paginated."),
    ("POST", "/api/v1/retailers/orders"): Operation(
        "Place the cart as an order",
        "Turns the cart into an order (only `payment_method` is required; default address and earliest slot "
        "otherwise) and answers 201. Needs an `Idempotency-Key`: a replay answers the first answer. May answer "
        "409 PRICE_CHANGED (with the cart) when `expected_total` no longer matches, or 422 CART_EMPTY, "
        "RETAILER_NOT_ACTIVE, INSUFFICIENT_STOCK, MIN_ORDER_VALUE_NOT_MET. A credit order over the available "
        "credit is placed on hold or refused (422 CREDIT_LIMIT_EXCEEDED), as the business settings say.",
    ),
    ("GET", "/api/v1/retailers/orders/{id}"): Operation(
        "Show one of the retailer's orders", "Another retailer's order is a 404."
    ),
    ("GET", "/api/v1/retailers/orders/{id}/tracking"): Operation(
        "Track an order", "Its status steps with their times, whether it can still be cancelled, the driver and ETA."
    ),
    ("POST", "/api/v1/retailers/orders/{id}/cancel"): Operation(
        "Cancel an order",
        "The retailer cancels a pending or on-hold order with a reason; later statuses answer 422 INVALID_TRANSITION.",
    ),
    ("POST", "/api/v1/retailers/orders/{id}/reorder"): Operation(
        "Reorder a past order", "Puts the order's products back in the cart and reports each line's adjustment."
    ),
    ("POST", "/api/v1/retailers/orders/{id}/rating"): Operation(
        "Rate a delivered order",
        "A rating from 1 to 5 with optional feedback. An order not delivered answers 422 INVALID_TRANSITION, a "
        "second rating 409 CONFLICT.",
    ),
    ("GET", "/api/v1/orders"): Operation(
        "List orders",
        f"{STAFF_LIST} Filters by status, retailer, payment method and date range; searches number and retailer.",
    ),
    ("POST", "/api/v1/orders"): Operation(
        "Place a manual order",
        "Staff place an order for a retailer (phone or visit) with the same checks as the retailer's own "
        "placement; needs an `Idempotency-Key`.",
    ),
    ("GET", "/api/v1/orders/{id}"): Operation("Show an order", "With its lines and history."),
    ("PATCH", "/api/v1/orders/{id}"): Operation(
        "Edit an order", "Changes lines or notes of a pending or on-hold order only (422 INVALID_TRANSITION otherwise)."
    ),
    ("POST", "/api/v1/orders/{id}/status"): Operation(
        "Change an order's status",
        "Moves the order along its workflow (confirmed, processing, shipped, delivered, returned) with a note. "
        "Not for cancelling; a move the workflow forbids answers 422 INVALID_TRANSITION.",
    ),
    ("POST", "/api/v1/orders/{id}/cancel"): Operation(
        "Cancel an order (staff)", "Cancels with a reason; stock goes back and any charge is reversed."
    ),
    ("POST", "/api/v1/orders/{id}/release-hold"): Operation(
        "Release an order's credit hold",
        "Finance confirms an order held for credit: its charge is posted (over the limit only as a recorded "
        "override). An order not on hold answers 422 INVALID_TRANSITION.",
    ),
    ("POST", "/api/v1/orders/bulk-status"): Operation(
        "Change many orders' status",
        "Up to 100 orders at once; answers 200 with each order's result and error code.",
    ),
    ("GET", "/api/v1/orders/stats"): Operation(
        "Show order statistics",
        "Order count and total per status over `date_from`/`date_to`, optionally for one retailer.",
    ),
    # --- Deliveries and routes -------------------------------------------------------------------
    ("GET", "/api/v1/deliveries"): Operation(
        "List deliveries", f"{STAFF_LIST} Searches the delivery and order numbers and the retailer's name."
    ),
    ("GET", "/api/v1/deliveries/{id}"): Operation("Show a delivery"),
    ("PATCH", "/api/v1/deliveries/{id}"): Operation(
        "Update a delivery", "Changes dispatch details such as the schedule, time window or priority."
    ),
    ("POST", "/api/v1/deliveries/{id}/assign"): Operation(
        "Assign a delivery to a driver",
        "A driver who is inactive, off duty, not serving the zone or without capacity answers 422 DRIVER_UNAVAILABLE.",
    ),
    ("POST", "/api/v1/deliveries/{id}/status"): Operation(
        "Report a delivery's status (operator)",
        "An operator records a status on the driver's behalf; the order follows. Forbidden moves answer 422 "
        "INVALID_TRANSITION.",
    ),
    ("GET", "/api/v1/routes"): Operation("List routes", STAFF_LIST),
    ("POST", "/api/v1/routes/plan"): Operation(
        "Plan the day's routes",
        "Builds routes for a date for the given drivers (all available ones by default), replacing their planned "
        "routes of that day; deliveries that fit no route are listed as unassigned.",
    ),
    ("GET", "/api/v1/routes/{id}"): Operation("Show a route", "With its ordered stops."),
    ("PATCH", "/api/v1/routes/{id}/stops"): Operation(
        "Reorder a route's stops",
        "Sets the stop order of a planned or in-progress route; legs, ETAs and distance are recomputed.",
    ),
    ("POST", "/api/v1/routes/{id}/start"): Operation(
        "Start a route", "The driver, available and with no other route under way, goes on route."
    ),
    ("POST", "/api/v1/routes/{id}/complete"): Operation(
        "Complete a route", "Once every stop is done; the driver is available again."
    ),
    ("POST", "/api/v1/routes/{id}/cancel"): Operation(
        "Cancel a route", "Its deliveries stay assigned to the driver, who is available again."
    ),
    # --- Drivers ---------------------------------------------------------------------------------
    ("GET", "/api/v1/drivers"): Operation("List drivers", STAFF_LIST),
    ("POST", "/api/v1/drivers"): Operation(
        "Create a driver", "Creates the driver and its user account; the vehicle plate must be unique."
    ),
    ("GET", "/api/v1/drivers/{id}"): Operation("Show a driver"),
    ("PATCH", "/api/v1/drivers/{id}"): Operation("Update a driver"),
    ("GET", "/api/v1/drivers/{id}/performance"): Operation(
        "Show a driver's performance", "The driver's delivery figures over a period."
    ),
    ("GET", "/api/v1/drivers/me"): Operation("Show the signed-in driver", "Drivers only."),
    ("POST", "/api/v1/drivers/me/status"): Operation(
        "Set the driver's availability", "The driver goes available or off duty."
    ),
    ("POST", "/api/v1/drivers/me/location"): Operation(
        "Report the driver's location", "The driver app sends its current coordinates; answers the driver."
    ),
    ("GET", "/api/v1/drivers/me/route"): Operation(
        "Show the driver's route of the day", "Its planned, in-progress or completed route for `date`, or null."
    ),
    ("GET", "/api/v1/drivers/me/deliveries"): Operation(
        "List the driver's deliveries", "Its own deliveries only, by date and status."
    ),
    ("GET", "/api/v1/drivers/me/deliveries/{id}"): Operation(
        "Show one of the driver's deliveries", "Another driver's delivery is a 404."
    ),
    ("POST", "/api/v1/drivers/me/deliveries/{id}/status"): Operation(
        "Report a delivery's status",
        "Picked up, in transit, delivered (with the cash collected for cash orders) or failed (with a reason); "
        "needs an `Idempotency-Key`. Delivering without a proof answers 422 PROOF_REQUIRED.",
    ),
    ("POST", "/api/v1/drivers/me/deliveries/{id}/proof"): Operation(
        "Upload a proof of delivery", "Multipart photos and signature with the recipient's name and coordinates."
    ),
    ("GET", "/api/v1/drivers/me/cash"): Operation(
        "Show the driver's cash in custody", "Cash collected and not yet handed over, per delivery."
    ),
    # --- Billing ---------------------------------------------------------------------------------
    ("GET", "/api/v1/invoices"): Operation("List invoices", STAFF_LIST),
    ("GET", "/api/v1/invoices/{id}"): Operation("Show an invoice"),
    ("GET", "/api/v1/invoices/{id}/pdf"): Operation(
        "Download an invoice PDF",
        "In the invoice's language; 503 SERVICE_UNAVAILABLE when the PDF cannot be produced right now.",
    ),
    ("POST", "/api/v1/invoices/{id}/cancel"): Operation(
        "Cancel an invoice", "Finance cancels an invoice: a credit note reverses it on the ledger."
    ),
    ("GET", "/api/v1/retailers/invoices"): Operation("List the retailer's invoices", OWNER),
    ("GET", "/api/v1/retailers/invoices/{id}"): Operation(
        "Show one of the retailer's invoices", f"{OWNER} Another retailer's invoice is a 404."
    ),
    ("GET", "/api/v1/retailers/invoices/{id}/pdf"): Operation(
        "Download one of the retailer's invoice PDFs",
        f"{OWNER} 503 SERVICE_UNAVAILABLE when the PDF cannot be produced right now.",
    ),
    ("GET", "/api/v1/payments"): Operation("List payments", STAFF_LIST),
    ("POST", "/api/v1/payments"): Operation(
        "Record a payment received at the office",
        "Finance (`billing.record_payment`). Cash, cheque, transfer or card; `Idempotency-Key` required (a replay "
        "answers the first answer). Posts a `payment` ledger entry and allocates it to the invoices asked for, then "
        "to the oldest open invoices; what remains is prepaid.",
    ),
    ("GET", "/api/v1/payments/{id}"): Operation("Show a payment", "With its allocations to invoices."),
    ("POST", "/api/v1/payments/{id}/bounce"): Operation(
        "Bounce a cheque",
        "Finance. The cheque came back unpaid: a `payment_reversal` ledger entry, its allocations released and "
        "the invoices reopened. Only confirmed cheques bounce (422 INVALID_TRANSITION otherwise).",
    ),
    ("POST", "/api/v1/payments/{id}/cancel"): Operation(
        "Cancel a payment recorded in error",
        "Finance, with a reason. Reversed on the ledger, allocations released, invoices reopened.",
    ),
    ("GET", "/api/v1/cash-handovers"): Operation("List cash handovers", STAFF_LIST),
    ("POST", "/api/v1/cash-handovers"): Operation(
        "Count a driver's cash of a day",
        "Finance (`billing.count_cash`). Expected is the driver's cash in custody received that day; a counted "
        "amount that differs needs a reason. A payment is handed over once (409 CONFLICT).",
    ),
    ("GET", "/api/v1/cash-handovers/expected"): Operation(
        "Show the cash a driver should hand over",
        "`?driver=<id>&date=YYYY-MM-DD`: the driver's payments in custody received that day, and their total.",
    ),
    ("POST", "/api/v1/cash-handovers/{id}/approve"): Operation(
        "Approve a counted handover", "Its payments leave the driver's custody and become confirmed."
    ),
    # --- Analytics -------------------------------------------------------------------------------
    ("GET", "/api/v1/analytics/dashboard"): Operation(
        "Show the dashboard figures",
        "Staff with `analytics.view_dashboard`. Orders, revenue (delivered and in progress; cancelled and returned "
        "never count), average order value, active retailers, signups, pending approvals, credit exposure and "
        "overdue amount for `?period=7d|30d|90d|12m` or `date_from`/`date_to` (Africa/Algiers days), each with the "
        "previous period and the change in %. Cached for a minute.",
    ),
    ("GET", "/api/v1/analytics/trends"): Operation(
        "Show orders and revenue over time", "Daily, weekly or monthly series (`interval`) over the period."
    ),
    ("GET", "/api/v1/analytics/geo"): Operation("Show revenue by wilaya and commune", "Over the period."),
    ("GET", "/api/v1/analytics/top-retailers"): Operation("List the top retailers", "By revenue over the period."),
    ("GET", "/api/v1/analytics/top-products"): Operation(
        "List the top products", "By units and revenue over the period."
    ),
    ("GET", "/api/v1/analytics/delivery-performance"): Operation(
        "Show delivery success and on-time rates", "Over the period, with the status distribution."
    ),
    ("GET", "/api/v1/reports/{report_type}"): Operation(
        "Run a report",
        "Staff with `analytics.run_report`. Types: sales, credit-aging (amounts due today by days past the due "
        "date, per retailer and in total; no period), cash-collection (per driver per day: expected, collected, "
        "handed over, discrepancy), tax, product-performance, stock-predictions, demand-forecast, "
        "retailer-activity, driver-performance, audit. `?format=json|csv|xlsx|pdf` (files are the body itself, not "
        "enveloped); every file is recorded in `report-exports`.",
    ),
    ("GET", "/api/v1/report-exports"): Operation("List the report files produced", STAFF_LIST),
    ("GET", "/api/v1/report-schedules"): Operation("List scheduled reports", STAFF_LIST),
    ("POST", "/api/v1/report-schedules"): Operation(
        "Schedule a report",
        "Daily, weekly (Sunday) or monthly (the 1st), at 06:00 Algiers time, e-mailed to the recipients in the "
        "schedule's language; each run records its time, status and file.",
    ),
    ("DELETE", "/api/v1/report-schedules/{id}"): Operation("Delete a scheduled report", "Its periodic task goes too."),
    ("GET", "/api/v1/alerts"): Operation(
        "List alerts",
        "Raised every 15 minutes from live data (low stock, stock-out risk, credit over limit, failed deliveries, "
        "expiring licences); one open alert per condition, resolved by itself when the condition clears.",
    ),
    ("POST", "/api/v1/alerts/{id}/read"): Operation("Mark an alert read"),
    ("POST", "/api/v1/alerts/{id}/resolve"): Operation("Resolve an alert"),
    # --- Notifications ---------------------------------------------------------------------------
    ("GET", "/api/v1/notifications"): Operation("List the caller's notifications", "Its own inbox only, newest first."),
    ("GET", "/api/v1/notifications/unread-count"): Operation("Count unread notifications"),
    ("POST", "/api/v1/notifications/{id}/read"): Operation(
        "Mark a notification read", "Another user's notification is a 404."
    ),
    ("POST", "/api/v1/notifications/read-all"): Operation("Mark all notifications read"),
    ("GET", "/api/v1/notifications/preferences"): Operation(
        "Show notification preferences", "Which channels the caller receives, per category."
    ),
    ("PUT", "/api/v1/notifications/preferences"): Operation("Replace notification preferences"),
    ("POST", "/api/v1/notifications/push-subscriptions"): Operation(
        "Register a push subscription",
        "The PWA registers its browser's push subscription; registering the same endpoint again updates it.",
    ),
    ("GET", "/api/v1/notification-templates"): Operation("List notification templates", STAFF_LIST),
    ("POST", "/api/v1/notification-templates"): Operation("Create a notification template"),
    ("PATCH", "/api/v1/notification-templates/{id}"): Operation("Update a notification template"),
    ("POST", "/api/v1/notification-templates/{id}/preview"): Operation(
        "Preview a notification template", "Renders the template as a user would receive it."
    ),
    ("GET", "/api/v1/broadcasts"): Operation("List broadcasts", STAFF_LIST),
    ("POST", "/api/v1/broadcasts"): Operation("Create a broadcast", "A draft message to a segment of users."),
    ("POST", "/api/v1/broadcasts/{id}/estimate"): Operation(
        "Estimate a broadcast's reach", "The exact number of users (and per channel) it reaches if sent now."
    ),
    ("POST", "/api/v1/broadcasts/{id}/send"): Operation(
        "Send a broadcast", "A draft is sent now, or scheduled when its `scheduled_at` is to come."
    ),
    ("POST", "/api/v1/broadcasts/{id}/cancel"): Operation(
        "Cancel a broadcast", "A draft or scheduled broadcast is cancelled and never sent."
    ),
    # --- Service ---------------------------------------------------------------------------------
    ("GET", "/health"): Operation("Check liveness", "Answers 200 while the process is up."),
    ("GET", "/health/ready"): Operation(
        "Check readiness", "Checks the database, cache and broker; 503 while one of them does not answer."
    ),
}


def tag_for(path: str, module: str) -> str | None:
    """The operation's tag: the longest `TAG_BY_PATH` prefix, else the view's app."""
    prefixes = [prefix for prefix in TAG_BY_PATH if path == prefix or path.startswith(prefix + "/")]
    if prefixes:
        return TAG_BY_PATH[max(prefixes, key=len)]
    parts = module.split(".")
    app = parts[1] if parts[0] == "livrili" and len(parts) > 1 else parts[0]
    return TAG_BY_APP.get(app)
