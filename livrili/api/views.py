from .middleware import api_error


def api_not_found(request, *args, **kwargs):
    """Unknown /api/ paths (including slashed forms of real ones) answer the JSON envelope."""
    return api_error("NOT_FOUND")
