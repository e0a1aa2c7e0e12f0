"""The first answers of a run tell whether an images API is at the base URL."""

from __future__ import annotations

from conformance.transport.endpoint import FIRST, EndpointWatch


def test_one_api_answer_settles_that_the_endpoint_is_there() -> None:
    watch = EndpointWatch("http://h/v1", "http://h/v1/images/generations")
    html = [("content-type", "text/html")]
    assert not watch.answer(400, html, b"<html>bad request</html>")  # an API's error page
    for _ in range(FIRST * 2):
        assert not watch.answer(404, html, b"<html>not found</html>")
    assert watch.problem is None


def test_five_404s_that_are_not_json_name_the_fix() -> None:
    watch = EndpointWatch("http://h:8080", "http://h:8080/images/generations")
    plain = [("content-type", "text/plain; charset=utf-8")]
    stops = [watch.answer(404, plain, b"Not Found") for _ in range(FIRST)]
    assert stops == [False] * (FIRST - 1) + [True]
    assert watch.problem is not None
    assert "no images endpoint at http://h:8080/images/generations" in watch.problem
    assert "is --base-url the API root, e.g. http://h:8080/v1?" in watch.problem


def test_a_json_404_is_an_api_answering() -> None:
    watch = EndpointWatch("http://h/v1", "http://h/v1/images/generations")
    json_type = [("content-type", "application/json")]
    for _ in range(FIRST * 2):
        assert not watch.answer(404, json_type, b'{"error": {"message": "no such model"}}')
    assert watch.problem is None


def test_only_a_redirect_to_a_login_page_says_no_api_is_there() -> None:
    elsewhere = EndpointWatch("http://h/v1", "http://h/v1/images/generations")
    moved = [("location", "http://other/v1/images/generations")]
    for _ in range(FIRST * 2):
        assert not elsewhere.answer(307, moved, b"")
    assert elsewhere.problem is None
    login = EndpointWatch("http://h/v1", "http://h/v1/images/generations")
    wall = [("location", "/login?next=/v1/images/generations")]
    assert [login.answer(302, wall, b"") for _ in range(FIRST)][-1]
    assert login.problem is not None
    assert "a login page" in login.problem
