import pathlib

import nbformat
from nbclient import NotebookClient

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def test_the_example_notebook_runs_and_draws_its_chart():
    nb = nbformat.read(EXAMPLES / "pii_in_pandas.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no chart"
    text = "\n".join(o.get("text", "") for o in outputs)
    assert "tickets hold sensitive data" in text
    tables = "\n".join(o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "credit_card" in tables and "email" in tables and "[EMAIL]" in tables
