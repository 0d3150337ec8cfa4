"""README's two commands stay true: CI runs its test command word for word, and the Dockerfile
installs the way its start command does."""

import re
from pathlib import Path

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


def test_every_limit_is_in_the_settings_table():
    from app.config import Limits

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Limits.model_fields if f"| `BPP_{name.upper()}` |" not in text]
    assert not missing
