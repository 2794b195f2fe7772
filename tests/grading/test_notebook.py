"""Notebook and script submissions are staged as their definitions only (harness/notebook.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from harness.notebook import NotebookError, convert, defined_names

CELLS = [
    "%matplotlib inline\n!pip install vibecheck",
    "import torch\nimport torch.nn as nn\nfrom google.colab import drive  # not on the grading machine",
    "from torchvision import datasets\nmnist_train = datasets.MNIST('data', train=True, download=True)\n"
    "mnist_train = list(mnist_train)[:2500]\nmnist_train, mnist_val = mnist_train[:2000], mnist_train[2000:]",
    "SEED = 2021\nDEVICE = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
    "criterion = nn.CrossEntropyLoss()\nlayers = [1, 2, SEED]",
    "def get_accuracy(model, data):\n    return 0.5\n\nclass Net(nn.Module):\n    pass",
    "model = Net()\nget_accuracy(model, mnist_val)\nimport matplotlib.pyplot as plt\nplt.show()",
    "%%time\nraise SystemExit('a timed cell')",
    "def broken(:\n    pass",
    "for epoch in range(10):\n    open('/tmp/ran', 'w')",
]


def write_notebook(path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Tutorial")] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))
    return path


def test_definitions_are_kept_and_top_level_work_is_left_out(tmp_path: Path) -> None:
    converted = convert(write_notebook(tmp_path / "tut.ipynb", CELLS))
    kept = set(converted.kept)
    assert {"torch", "nn", "datasets", "SEED", "DEVICE", "criterion", "layers", "get_accuracy", "Net", "plt"} <= kept
    assert not kept & {"mnist_train", "mnist_val", "model"}  # a download and what depends on it
    text = converted.source
    assert "download=True" not in text and "plt.show" not in text and "open(" not in text
    assert "SystemExit" not in text and "pip install" not in text
    assert any("does not parse" in s for s in converted.skipped)
    assert any("cell magic" in s for s in converted.skipped)
    compile(text, "tut.py", "exec")  # the staged module is valid Python


def test_the_staged_module_imports_without_running_anything(tmp_path: Path) -> None:
    converted = convert(write_notebook(tmp_path / "tut.ipynb", CELLS))
    namespace: dict = {}
    exec(compile(converted.source, "tut.py", "exec"), namespace)  # google.colab missing: guarded
    assert namespace["get_accuracy"](None, None) == 0.5 and namespace["SEED"] == 2021
    assert "missing on the grading machine" in repr(namespace["drive"]) and not Path("/tmp/ran").exists()


def test_a_script_is_treated_like_a_one_cell_notebook(tmp_path: Path) -> None:
    script = tmp_path / "tut.py"
    script.write_text("import torch\n\ndef f():\n    return 1\n\nif __name__ == '__main__':\n    f()\ntrain()\n")
    assert defined_names(script) == {"torch", "f"}


def test_a_file_that_is_not_a_notebook(tmp_path: Path) -> None:
    bad = tmp_path / "tut.ipynb"
    bad.write_text("{not json")
    with pytest.raises(NotebookError, match="not a readable notebook"):
        convert(bad)
    assert defined_names(bad) == set()


def test_an_error_names_the_notebook_cell_and_line_the_student_wrote(tmp_path: Path) -> None:
    from harness.probes.server import describe_exception

    cells = [
        "import math\n\n# a comment the module keeps\n@staticmethod\ndef unused():\n    pass",
        "model = train()  # left out",
        "def get_accuracy(model, data):\n    total = 0\n    # count\n    return 1 / total",
    ]
    staged = tmp_path / "submission" / "tutorial4.py"
    staged.parent.mkdir()
    staged.write_text(convert(write_notebook(tmp_path / "tut4.ipynb", cells)).source)
    namespace: dict = {}
    exec(compile(staged.read_text(), str(staged), "exec"), namespace)
    try:
        namespace["get_accuracy"](None, None)
    except ZeroDivisionError as exc:
        info = describe_exception(exc, str(tmp_path / "submission"))
    assert info["where"] == "tut4.ipynb, code cell 3, line 4 in get_accuracy: return 1 / total"


def test_future_imports_open_the_staged_module(tmp_path: Path) -> None:
    cells = ["import torch", "from __future__ import annotations\n\ndef f(x: 'Later') -> int:\n    return 1"]
    source = convert(write_notebook(tmp_path / "tut.ipynb", cells)).source
    namespace: dict = {}
    exec(compile(source, "tut.py", "exec"), namespace)
    assert namespace["f"](None) == 1 and "from __future__ import annotations" in source.splitlines()[:3]


def test_names_from_missing_modules_do_not_stop_the_import(tmp_path: Path) -> None:
    cells = [
        "import ipywidgets_not_here as widgets\nfrom vibecheck_not_here import Review",
        "@widgets.interact_manual\ndef compare(lr=widgets.FloatLogSlider(value=0.1)):\n    return 'ran'",
        "def feedback():\n    return Review('x')",
    ]
    namespace: dict = {}
    exec(compile(convert(write_notebook(tmp_path / "tut.ipynb", cells)).source, "tut.py", "exec"), namespace)
    assert namespace["compare"]() == "ran"  # the decorator stood aside
    assert "missing on the grading machine" in repr(namespace["feedback"]())
