from model_bakery import baker


def recipe_values(name: str, fields: dict, *attrs: str, **draft_attrs) -> dict:
    """`fields` completed with recipe `name`'s values for the `attrs` the caller did not give.

    For fixtures that create through a service (which owns an invariant a recipe would bypass):
    the recipe supplies the data, the service writes it. One unsaved draft per call (built with
    `draft_attrs`, e.g. a related object so the draft does not build its own), so the recipe's
    sequences advance once per object, and restart in each test (model-bakery restarts a
    recipe's sequence when the model's table is empty)."""
    draft = baker.prepare_recipe(name, **draft_attrs)
    return {**{attr: getattr(draft, attr) for attr in attrs}, **fields}
