"""Migration operations Django does not have."""

from django.db import migrations


class DropFieldIndex(migrations.AlterField):
    """`AlterField` from `db_index=True` to `db_index=False` that only drops the field's own index
    (and PostgreSQL's `_like` twin of a text column's). Django's `AlterField` drops a foreign key's
    constraint and adds it back for any change, and adding it back checks every row of the table
    under a lock that blocks its writes; removing an index needs none of that."""

    def _indexes(self, schema_editor, model):
        column = model._meta.get_field(self.name).column
        return schema_editor._constraint_names(model, [column], index=True, unique=False, primary_key=False)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        for name in self._indexes(schema_editor, model):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        field = model._meta.get_field(self.name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
        like = getattr(schema_editor, "_create_like_index_sql", None)  # PostgreSQL's text columns
        if like is not None and (statement := like(model, field)) is not None:
            schema_editor.execute(statement)

    def describe(self):
        return f"Drop the index of {self.model_name}.{self.name} (a composite index leads with it)"
