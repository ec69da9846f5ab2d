from products.imports.writing import import_categories

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Create or update categories (matched by slug) from a CSV or XLSX file; parents first."
    importer = staticmethod(import_categories)
