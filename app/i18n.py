"""The page's message catalogue: one JSON file per language under static/i18n/, English first.

The server renders the page's fixed labels from it and embeds it for the scripts, so every
user-visible string comes from the same file.
"""

import json
from functools import cache
from pathlib import Path

DEFAULT_LANGUAGE = "en"


@cache
def catalogue(directory: Path, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The catalogue for a language, with English filling any key it lacks."""
    base = json.loads((directory / f"{DEFAULT_LANGUAGE}.json").read_text(encoding="utf-8"))
    path = directory / f"{language}.json"
    if language != DEFAULT_LANGUAGE and path.is_file():
        base.update(json.loads(path.read_text(encoding="utf-8")))
    return base


def languages(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.json"))
