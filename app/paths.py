"""Where the page's files are. A checkout keeps static/ and templates/ beside the app/ package
(so does an editable install, which runs from the checkout); a wheel has no place beside the
package in site-packages, so pyproject.toml packs them inside it as app/static and
app/templates. Everything that serves or reads these folders asks here.

Plain paths rather than importlib.resources: these folders hold no Python, and an editable
install's import hook does not resolve them as packages."""

from pathlib import Path
from typing import Literal

PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: Literal["static", "templates"]) -> Path:
    """The installed copy inside the package if there is one, else the checkout's folder."""
    for directory in (PACKAGE / name, PACKAGE.parent / name):
        if directory.is_dir():
            return directory
    raise FileNotFoundError(f"neither {PACKAGE / name} nor {PACKAGE.parent / name} exists")
