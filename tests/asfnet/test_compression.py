"""HTML compressed where safe: anonymous pages and the open API gzip; a logged-in person's pages never do
(BREACH: compression beside a secret in the body leaks the secret through the response size)."""

import gzip

import pytest

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.mark.parametrize("url", ["/", "/directory/", "/events/", "/api/v1/organizations"])
def test_an_anonymous_page_is_sent_compressed_and_varies_on_the_encoding(client, world, url):
    response = client.get(url, **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    body = gzip.decompress(response.content)
    assert len(response.content) < len(body)


def test_the_directory_page_says_what_it_says_uncompressed(client, world):
    compressed = gzip.decompress(client.get("/directory/", **GZIP).content).decode()
    assert world.org_a.name in compressed


def test_a_browser_that_does_not_ask_gets_the_page_as_it_is(client, world):
    response = client.get("/directory/")
    assert not response.has_header("Content-Encoding")


@pytest.mark.parametrize("role", ["staff_a", "coordinator"])
def test_a_logged_in_persons_pages_are_never_compressed(client, world, role):
    client.force_login(world.user(role))
    response = client.get("/directory/", **GZIP)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
