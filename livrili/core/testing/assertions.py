def assert_error(response, status: int, code: str):
    """The response is the API's error envelope with this status and error code; returns the body."""
    body = response.json()
    assert response.status_code == status, body
    assert body["success"] is False
    assert body["error_code"] == code, body
    return body
