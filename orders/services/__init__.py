"""Order writes, one module per sub-domain (workflows.md §2–§4), like Zulip's `zerver/actions/`:

- `cart`: the retailer's cart lines (add, set, remove, clear);
- `sync`: offline cart actions replayed in order, idempotent per client action id;
- `placement`: an order from the cart or from explicit lines (stock, charge, `placed` event);
- `lifecycle`: status changes through the transition table, cancel, return, credit holds;
- `edit`: replacing a pending order's lines, and reordering into the cart;
- `expiry`: cancelling credit holds past `hold_expiry_days` (the periodic task);
- `locks`: the row locks, taken in one order everywhere.

The pure rules live in `orders.rules`, the event builders in `orders.events`. Every function is
one transaction; a refusal raises DomainError and writes nothing. Import each function from the
module that owns it (this package re-exports nothing).
"""
