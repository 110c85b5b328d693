"""The package declares an extra for each engine its column adapters work with, and the
README shows how to install each, so `pip install "dlpjet[pandas]"` gives a working snippet."""
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[3]
ENGINES = {"pandas": "pandas", "arrow": "pyarrow", "polars": "polars", "spark": "pyspark", "dask": "dask"}


def test_every_engine_has_an_extra_and_the_readme_names_it():
    project = tomllib.loads((ROOT / "bindings/python/pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    readme = (ROOT / "README.md").read_text()
    for extra, package in ENGINES.items():
        assert extra in extras, extra
        assert any(req.startswith(package) for req in extras[extra]), (extra, extras[extra])
        assert f"dlpjet[{extra}]" in readme, extra
