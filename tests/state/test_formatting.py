"""Where a long email may wrap."""

from v4a_portal.state.formatting import break_points


def test_an_email_wraps_after_at_and_dots_only() -> None:
    assert break_points("first.last@shop.example") == ["first.", "last@", "shop.", "example"]
    assert "".join(break_points("x@y.z")) == "x@y.z"
    assert break_points("plain") == ["plain"]
    assert break_points("") == []
