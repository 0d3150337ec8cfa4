"""`pip install .` (not only `-e`) gives a working app: the wheel carries static/, templates/, the
message catalogue and the digits, and the app finds them with the source tree out of reach.

The wheel is built offline with the test venv's own setuptools, from a copy of the sources, so
setuptools' build/ folder never lands in the checkout (nor stale files from it in the wheel).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "app", "static", "templates"]
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]

# Runs in a fresh interpreter whose only way to `app` is the installed copy.
CHECK_INSTALLED_APP = """
import sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")
import app
from app.main import create_app
from app.settings import Settings
from fastapi.testclient import TestClient

assert Path(app.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), app.__file__
with TestClient(create_app(Settings())) as client:
    page = client.get("/")
    assert page.status_code == 200 and "<title>Backprop Playground</title>" in page.text, page.text[:300]
    assert '"app.title": "Backprop Playground"' in page.text, "the catalogue from static/i18n"
    assert client.get("/static/js/main.js").status_code == 200
    assert client.get("/docs").status_code == 200, "templates/docs.html"
    created = client.post("/api/sessions", json={
        "data": {"dataset": "digits", "n_samples": 1797},
        "network": {"output_activation": "softmax", "loss": "categorical_cross_entropy"}})
    assert created.status_code == 201, created.text
    state = client.get(f"/api/sessions/{created.json()['id']}/state").json()
    assert len(state["layers"][0]["W"][0]) == 64 and len(state["layers"][-1]["b"]) == 10
assert len(client.get("/api/lessons").json()) == 13, "the lessons from app/lessons"
print("installed app ok")
"""


def copy_sources(destination: Path) -> None:
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / name)


def build_and_install(tmp_path: Path) -> Path:
    """Build the wheel without network or build isolation, then install it into a bare folder."""
    sources = tmp_path / "src"
    sources.mkdir()
    copy_sources(sources)
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([*PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    str(sources), "-w", str(wheels)], check=True, cwd=tmp_path)
    [wheel] = wheels.glob("*.whl")
    subprocess.run([*PIP, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
                   check=True, cwd=tmp_path)
    return target


def files_under(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_and_install(tmp_path_factory.mktemp("install"))


def test_the_wheel_carries_every_module_page_file_and_the_digits(installed: Path):
    package = installed / "app"
    assert files_under(package) >= {p for p in files_under(ROOT / "app") if p.endswith(".py")}
    assert files_under(package / "static") == files_under(ROOT / "static")
    assert files_under(package / "templates") == files_under(ROOT / "templates")
    assert (package / "engine" / "data" / "digits.csv.gz").is_file()
    assert files_under(package / "lessons") == files_under(ROOT / "app" / "lessons")


def test_the_installed_app_serves_the_page_and_trains_on_the_digits(installed: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([sys.executable, "-c", CHECK_INSTALLED_APP, str(installed)],
                            cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(installed)},
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "installed app ok"
