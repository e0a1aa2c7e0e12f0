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
