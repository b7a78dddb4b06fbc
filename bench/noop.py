"""The bare side's job in bench/pipeline.py: nothing, in a module that imports nothing, so a
stock RQ worker pays only for RQ itself."""


def noop() -> None:
    """Does nothing."""
