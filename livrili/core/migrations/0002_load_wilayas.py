import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "wilayas.json"


def load_wilayas(apps, schema_editor):
    Wilaya = apps.get_model("core", "Wilaya")
    for row in json.loads(FIXTURE.read_text(encoding="utf-8")):
        Wilaya.objects.update_or_create(code=row["code"], defaults={**row, "name": row["name_ar"]})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load_wilayas, migrations.RunPython.noop)]
