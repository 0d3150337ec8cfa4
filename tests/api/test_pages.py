"""The page: served under a strict CSP, its data as JSON, every string from the catalogue."""

import json
import re
from pathlib import Path
from typing import get_args

from app.engine.activations import ActivationName
from app.engine.datasets import GENERATORS
from app.engine.features import FeatureName, ScalingName
from app.engine.initializers import InitializerName
from app.engine.losses import LossName
from app.engine.optimizers import OptimizerName
from app.engine.regularization import RegularizationName
from app.engine.schedules import ScheduleName

ROOT = Path(__file__).resolve().parents[2]
# Every name the page shows through a catalogue key "<group>.<name>".
CHOICES = {"activation": ActivationName, "loss": LossName, "optimizer": OptimizerName,
           "decay": ScheduleName, "regularization": RegularizationName, "init": InitializerName,
           "feature": FeatureName, "scaling": ScalingName}
CATALOGUE = json.loads((ROOT / "static" / "i18n" / "en.json").read_text(encoding="utf-8"))


def boot_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_the_page_is_served_under_a_strict_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.text
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('src="' in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    assert " style=" not in html and "<style" not in html


def test_the_page_carries_limits_choices_messages_and_dataset_previews(client):
    boot = boot_data(client.get("/").text)
    assert boot["limits"]["max_hidden_layers"] == 6
    assert boot["choices"]["dataset"] == list(GENERATORS)
    assert boot["messages"] == CATALOGUE
    assert boot["datasets"]["digits"] == {"task": "multiclass", "input_kind": "image",
                                          "takes_classes": False, "max_samples": 1797}
    assert boot["defaults"]["network"]["loss"] == "binary_cross_entropy"
    for name, preview in boot["previews"].items():
        info = boot["datasets"][name]
        assert (preview["task"], preview["input_kind"]) == (info["task"], info["input_kind"])
        if info["input_kind"] == "image":
            assert len(preview["pixels"]) == 64 and max(preview["pixels"]) <= 1.0
            continue
        points = preview["points"]
        assert len(points["x1"]) == len(points["x2"]) == len(points["label"]) == 120, name
        if info["task"] == "binary":
            assert set(points["label"]) == {0.0, 1.0}, name
        elif info["task"] == "multiclass":
            assert set(points["label"]) == {0.0, 1.0, 2.0}, name


def test_an_unknown_language_falls_back_to_english(client):
    response = client.get("/?lang=xx", headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert '<html lang="en">' in response.text
    assert boot_data(response.text)["messages"] == CATALOGUE


def test_every_message_the_page_uses_is_in_the_catalogue():
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "static" / "js").rglob("*.js")]
    sources += [p.read_text(encoding="utf-8") for p in (ROOT / "templates").glob("*.html")]
    used = {key for text in sources for key in re.findall(r"""(?:^|[^\w.])t\(\s*['"]([\w.]*\w)['"]""", text)}
    choices = {group: get_args(names) for group, names in CHOICES.items()}
    choices |= {"dataset": [*GENERATORS, "csv"], "fn": get_args(ActivationName),
                "group": ["binary", "multiclass", "regression", "real"],
                "status": ["connecting", "running", "paused", "diverged", "disconnected"]}
    used |= {f"{group}.{name}" for group, names in choices.items() for name in names}
    assert len(used) > 60
    assert sorted(used - CATALOGUE.keys()) == []


ZH = json.loads((ROOT / "static" / "i18n" / "zh-Hans.json").read_text(encoding="utf-8"))


def test_chinese_by_lang_then_cookie_then_accept_language(client):
    def language(url: str = "/", cookie: str | None = None, accept: str = "") -> str:
        client.cookies.clear()
        if cookie:
            client.cookies.set("lang", cookie)
        html = client.get(url, headers={"accept-language": accept}).text
        return re.search(r'<html lang="([^"]+)">', html).group(1)

    for tag in ["zh", "zh-CN", "zh-Hans", "zh-hans-cn", "zh-SG"]:
        assert language(f"/?lang={tag}") == "zh-Hans", tag
    assert language(accept="zh-CN,zh;q=0.9,en;q=0.8") == "zh-Hans"
    assert language(accept="fr-FR,zh-TW;q=0.5") == "zh-Hans"
    assert language(accept="en-GB,zh;q=0.5") == "en"
    assert language(cookie="zh-Hans", accept="en-US") == "zh-Hans"
    assert language("/?lang=en", cookie="zh-Hans", accept="zh-CN") == "en"
    assert language(cookie="xx", accept="zh") == "zh-Hans"


def test_the_chinese_page_renders_its_fixed_labels_in_chinese(client):
    html = client.get("/?lang=zh-CN").text
    assert f"<title>{ZH['app.title']}</title>" in html
    assert ZH["explain.forward"] in html and ZH["out.trainLoss"] in html
    assert boot_data(html)["messages"] == ZH
    assert boot_data(html)["language"] == "zh-Hans"
    assert '<option value="zh-Hans" lang="zh-Hans" selected>简体中文</option>' in html
