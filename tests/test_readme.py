"""README stays true: CI runs its test command word for word, the Dockerfile installs the way
its start command does, and its REST example prints what it says."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def command_after(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1]
    return re.search(r"```sh\n(.+?)\n```", section, re.S).group(1).strip()


def test_ci_runs_the_readme_test_command():
    command = command_after("## Run the tests")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci_lines


def test_dockerfile_installs_like_the_readme_start_command():
    start = command_after("## Start the app")
    install, _, run = start.rpartition(" && ")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"RUN {install}" in dockerfile
    assert run.removeprefix(".venv/bin/") in dockerfile


def test_the_rest_example_answers_what_the_readme_says(client):
    """The README's REST example, run as written: its answer is the one it prints."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## REST API", 1)[1]
    example = re.search(r"```sh\n(.+?)\n```", section, re.S).group(1)
    config = json.loads(re.search(r"-d '(\{\"network\".+?)'", example).group(1))
    steps = json.loads(re.search(r"/train .+?-d '(.+?)'", example).group(1))
    inputs = json.loads(re.search(r"/predict .+?-d '(.+?)'", example).group(1))
    printed = json.loads(re.search(r"# (\{\"outputs\".+?\})", example).group(1))
    made = client.post("/api/sessions", json=config).json()
    sid = made["id"]
    assert "Authorization: Bearer $TOKEN" in example  # training steers: it needs the token
    client.post(f"/api/sessions/{sid}/train", json=steps,
                headers={"Authorization": f"Bearer {made['token']}"})
    answer = client.post(f"/api/sessions/{sid}/predict", json=inputs).json()
    assert answer["classes"] == printed["classes"]
    for [got], [shown] in zip(answer["outputs"], printed["outputs"]):
        assert got == pytest.approx(shown, rel=1e-4)


def test_every_limit_is_documented_in_the_settings_table():
    from app.config import Limits

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Settings and limits", 1)[1]
    missing = [name for name in Limits.model_fields if f"`BPP_{name.upper()}`" not in section]
    assert missing == []


def test_the_python_example_runs_as_written(client, capsys):
    """README's httpx example, its function run against the app (TestClient is an httpx.Client)."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### From Python", 1)[1]
    example = re.search(r"```python\n(.+?)\n```", section, re.S).group(1)
    definitions = example.split("\nwith httpx.Client", 1)[0]
    namespace: dict = {}
    exec(compile(definitions, "README.md", "exec"), namespace)
    namespace["demo"](client)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("δ of the output layer: [") and len(json.loads(printed[0].split(": ", 1)[1])) == 3
    code = printed[1].rsplit(" ", 1)[1]
    assert printed[1].startswith("students join at http://testserver/?room=") and len(code) == 6
    assert client.get(f"/api/rooms/{code}").status_code == 200
