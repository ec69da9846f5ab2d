from products.imports.writing import import_products

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Create or update products (matched by SKU, any case) from a CSV or XLSX file."
    importer = staticmethod(import_products)
