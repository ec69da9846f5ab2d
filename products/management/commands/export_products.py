from functools import partial

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from products.imports.exporting import export_categories, export_products
from products.imports.reading import ImportFileError
from products.models import Product


class Command(BaseCommand):
    help = "Export products (or categories with --categories) to a CSV or XLSX file that import_* reads back."

    def add_arguments(self, parser):
        parser.add_argument("path", help="output file, .csv or .xlsx")
        parser.add_argument("--categories", action="store_true", help="export the category tree instead")
        parser.add_argument("--active-only", action="store_true", help="only active products")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, path, categories, active_only, no_progress, **options):
        try:
            if categories:
                count = export_categories(path)
            else:
                queryset = Product.objects.filter(is_active=True) if active_only else Product.objects.all()
                progress = partial(tqdm, file=self.stderr, disable=no_progress)
                count = export_products(path, queryset, progress=progress)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} rows written to {path}")
