"""Run the doctests of the pure helpers (they document the text rules by example)."""

import doctest
import importlib

import pytest

MODULES = ["audiobrief.brief.helpers", "audiobrief.publishing.feed", "audiobrief.languages", "audiobrief.serve", "audiobrief.speakable",
           "audiobrief.standards", "audiobrief.timefmt"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no doctests"
    assert result.failed == 0
