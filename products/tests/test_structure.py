"""The products packages re-export nothing: every caller imports from the module that owns
the operation (docs/architecture.md, "Module map: products")."""

import ast
import importlib
from pathlib import Path

import pytest


@pytest.mark.parametrize("package", ["products.services", "products.imports"])
def test_a_package_init_holds_only_its_docstring(package):
    source = Path(importlib.import_module(package).__file__).read_text(encoding="utf-8")

    body = ast.parse(source).body

    assert len(body) == 1
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
