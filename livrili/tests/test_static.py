"""The back office works offline: its assets come from this server, never from a CDN."""

import re

import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_static_files_are_served_without_debug(client):
    # given the production setting (DEBUG off: Django's staticfiles view is not mounted)
    assert settings.DEBUG is False
    # when the admin's stylesheet and the vendored jQuery UI are asked for
    css = client.get("/static/admin/css/base.css")
    jqui = client.get("/static/vendor/jquery-ui-1.14.2/jquery-ui.min.js")
    # then the server answers them itself
    assert css.status_code == 200
    assert jqui.status_code == 200
    assert b"".join(jqui.streaming_content if jqui.streaming else [jqui.content]).startswith(b"/*! jQuery UI")


@pytest.mark.parametrize("path", ["/admin/products/product/add/", "/admin/products/category/add/"])
@override_settings(LANGUAGE_CODE="ar")
def test_translation_tabs_load_no_asset_from_another_host(admin_client, path):
    # given a form with the per-language tabs (modeltranslation uses jQuery UI)
    page = admin_client.get(path).content.decode()
    # then every script and stylesheet is a path on this server
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert any("jquery-ui" in asset for asset in assets)
    assert [asset for asset in assets if asset.startswith(("http:", "https:", "//"))] == []
