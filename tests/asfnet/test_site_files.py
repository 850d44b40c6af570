"""Files browsers ask for at the site root: /favicon.ico is a real icon, not a 404 in every log."""

from __future__ import annotations

import io

from PIL import Image


def test_favicon_ico_is_an_icon_served_at_the_site_root(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    body = b"".join(response.streaming_content) if response.streaming else response.content
    icon = Image.open(io.BytesIO(body))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= set(icon.info["sizes"])


def test_pages_name_both_icons(client, db):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in page
    assert 'favicon.svg" type="image/svg+xml"' in page
