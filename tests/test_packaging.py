"The repository's address is written once (pyproject) and every tutorial opens in Colab from it, keeping Colab's torch."
import json, re, tomllib
import pytest

from lightning_pose_nb.core import repo_root

ROOT = repo_root()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
URL = PROJECT["urls"]["Repository"]
TUTORIALS = sorted((ROOT / "nbs" / "tutorials").glob("*.ipynb"))


def test_readme_links_the_repository_and_colab():
    readme = (ROOT / "README.md").read_text()
    assert URL in readme
    for nb in TUTORIALS: assert f"nbs/tutorials/{nb.name}" in readme


@pytest.mark.parametrize("nb", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_opens_in_colab(nb):
    cells = json.loads(nb.read_text())["cells"]
    head, install = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    slug = URL.removeprefix("https://github.com/")
    assert f"https://colab.research.google.com/github/{slug}/blob/main/nbs/tutorials/{nb.name}" in head
    assert re.search(r"Run time: .+ on 2 CPU cores", head), "the measured run time belongs at the top"
    assert "'google.colab' in sys.modules" in install and f"git+{URL}" in install
    assert "torch" not in install.replace("Colab's torch", "")  # Colab's own torch is never reinstalled


def test_requirements_keep_an_installed_torch():
    for dep in PROJECT["dependencies"]:
        name = re.split(r"[<>=!~ \[;]", dep, maxsplit=1)[0]
        if name in ("torch", "torchvision"): assert not re.search(r"==|<", dep), dep
