"""The examples in the package's docstrings run and print what they show."""

import doctest

import pytest

import dlpjet
import dlpjet.dask
import dlpjet.spark


@pytest.mark.parametrize("module", [dlpjet, dlpjet.dask, dlpjet.spark], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0
