"""HAProxy's config for this machine: deploy/haproxy.cfg with its bind address and one server
line per worker in place of the file's own (which name docker-compose.yml's services)."""

from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "haproxy.cfg"


def render(template: str, bind: str, workers: list[tuple[str, str]]) -> str:
    """``workers``: (name, host:port) of each; ``bind``: e.g. 127.0.0.1:8000."""
    lines: list[str] = []
    servers_at: int | None = None
    for line in template.splitlines():
        word = line.split()[:1]
        if word == ["bind"]:
            line = f"    bind {bind}"
        if word == ["server"]:
            servers_at = len(lines) if servers_at is None else servers_at
            continue
        lines.append(line)
    if servers_at is None:
        raise ValueError("the HAProxy template has no server lines")
    lines[servers_at:servers_at] = [f"    server {name} {address}" for name, address in workers]
    return "\n".join(lines) + "\n"


def config(bind: str, workers: list[tuple[str, str]]) -> str:
    return render(CONFIG.read_text(encoding="utf-8"), bind, workers)
