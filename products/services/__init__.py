"""Every change to the catalog goes through these modules (one transaction each, audited), one
module per job; callers import from the module that owns the operation:

- `cache`: catalog cache versions and `catalog_changed` (retires the retail caches);
- `categories`, `suppliers`, `tags`: the catalog's structure;
- `products`: products, their price tiers and tags, the rules the database cannot hold;
- `images`: product images and the primary-image rule;
- `stock`: the one owner of `Product.stock_quantity` (every stock change writes a StockMovement,
  so `stock_quantity == Σ StockMovement.delta` always holds) and of the INSUFFICIENT_STOCK error.
"""
