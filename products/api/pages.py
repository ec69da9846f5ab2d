"""The retail list page kept rendered (docs/performance.md, pass 2): the envelope and each
product's JSON without its two stock fields, cached as bytes; serving it appends the live stock to
each product and joins the bytes, which gives exactly what the renderer gives for the same body."""

from livrili.api.renderers import RenderedJSON, render_json

from .. import selectors


def render_item(item: dict) -> bytes:
    """A retail representation (without stock) rendered without its closing brace, as cached."""
    return render_json(item)[:-1]


def render_retail_page(body: dict, items: list[tuple[str, int, bytes]]) -> tuple[bytes, list, bytes]:
    """A paginated body (its `data` empty) and its rendered items ((id, min_order_quantity, item
    JSON without its stock fields nor its closing brace), `retail_rendered`) as (head, items,
    tail): `with_rendered_stock` joins them into the exact bytes the renderer gives for the body
    with those items and their live stock."""
    head, tail = render_json(body).split(b'"data":[]', 1)
    return head + b'"data":[', items, b"]" + tail


def with_rendered_stock(page: tuple, stock: dict | None = None) -> RenderedJSON:
    """The rendered page with each item's `available_quantity` and `in_stock` appended (the last
    two fields of a retail product), from `stock` ({id: quantity}) or the database (one query)."""
    head, items, tail = page
    if stock is None:
        stock = selectors.stock_levels([pk for pk, _moq, _json in items])
    parts = []
    for pk, min_order_quantity, rendered in items:
        available = stock.get(pk, 0)
        in_stock = b"true" if available >= min_order_quantity else b"false"
        parts.append(b'%s,"available_quantity":%d,"in_stock":%s}' % (rendered, available, in_stock))
    return RenderedJSON(head + b",".join(parts) + tail)
