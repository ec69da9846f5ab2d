"""Catalog import and export (CSV and XLSX), used by the management commands and the admin:

- `reading`: reading CSV/XLSX files into rows (`read_rows`);
- `rows`: the columns and validating rows, with the same rules as the API
  (`products.services.products.product_rule_errors`) against data loaded once;
- `writing`: the imports (`import_products`, `import_categories`): valid rows written in bulk
  inside one transaction, all-or-nothing by default or only the valid rows with `skip_invalid`;
  imported stock goes through `products.services.stock`, as `import` stock movements. A dry run
  validates and writes, then rolls back;
- `exporting`: `export_products`, `export_categories` (files an import reads back).
"""
