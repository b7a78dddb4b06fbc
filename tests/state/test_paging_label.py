"""The pager's "x–y of N" label, exact and capped."""

from v4a_portal.state.paging import range_label


def test_range_label_exact_capped_and_empty() -> None:
    assert range_label(1, 0) == "0 of 0"
    assert range_label(1, 7) == "1–7 of 7"
    assert range_label(2, 45) == "21–40 of 45"
    assert range_label(60, 1_234) == "1,181–1,200 of 1,234"
    assert range_label(1, 10_000, capped=True) == "1–20 of 10,000+"
