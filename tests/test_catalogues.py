"""The page's catalogues (static/i18n/*.json): the same keys in every language, every key used,
every server refusal code translated, Chinese that is Chinese, and punctuation after W3C CLREQ."""

import json
import re
from pathlib import Path
from typing import get_args

import pytest

from app.config import DataConfig, NetworkConfig, TrainingConfig
from app.engine.activations import ActivationName
from app.engine.datasets import GENERATORS
from app.engine.features import FeatureName, ScalingName
from app.engine.initializers import InitializerName
from app.engine.losses import LossName
from app.engine.optimizers import OptimizerName
from app.engine.regularization import RegularizationName
from app.engine.schedules import ScheduleName

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "static" / "i18n"
CATALOGUES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(I18N.glob("*.json"))}
EN = CATALOGUES["en"]
PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}

# pydantic's error types that the page's settings and messages can meet.
PYDANTIC_CODES = ["greater_than_equal", "less_than_equal", "greater_than", "less_than", "missing",
                  "extra_forbidden", "literal_error", "enum", "int_parsing", "int_type",
                  "int_from_float", "float_parsing", "float_type", "finite_number", "bool_parsing",
                  "bool_type", "string_type", "list_type", "dict_type", "model_type",
                  "model_attributes_type", "too_short", "too_long", "string_too_long",
                  "json_invalid", "union_tag_invalid", "union_tag_not_found", "value_error"]
# Fields a refusal can name outside a config.
MESSAGE_FIELDS = ["steps_per_second", "sample", "csv", "name"]
# Values the same in Chinese on purpose: names (of functions, optimizers, initializations, the
# languages themselves) and math, which is written the same in both languages.
SAME_IN_CHINESE = {"Sigmoid", "ReLU", "Leaky ReLU", "ELU", "Softplus", "RMSProp", "Adam", "He",
                   "Xavier / Glorot", "LReLU", "softplus", "softmax", "tanh", "id", "REST API",
                   "English", "简体中文", "{detail}", "Tab", "Enter", "Esc", "?", "↑ ↓ ← →", "← →",
                   "sin x₁", "sin x₂", "R² = {value}", "1–9"}


def server_codes() -> set[str]:
    """Every refusal code the server's own code gives (grep of Refused(...) and code=...)."""
    codes = {"http_error"}
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"""Refused\(\s*["'](\w+)["']""", text))
        codes |= set(re.findall(r"""\bcode=["'](\w+)["']""", text))
        codes |= set(re.findall(r"""\d{3}: ["'](\w+)["']""", text))  # HTTP_CODES
    return codes


def plural_roots() -> set[str]:
    """Keys given to tn(): their plural forms are `<key>.one`, `<key>.other`, …"""
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "static" / "js").rglob("*.js"))
    return set(re.findall(r"""(?:^|[^\w.])tn\(\s*['"]([\w.]*\w)['"]""", text))


def used_keys() -> set[str]:
    """Keys named in the page's scripts and templates: literally, and by the families built from
    a name at run time (each family listed with its names here)."""
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "static" / "js").rglob("*.js")]
    sources += [p.read_text(encoding="utf-8") for p in (ROOT / "templates").glob("*.html")]
    text = "\n".join(sources)
    used = set(re.findall(r"""(?:^|[^\w.]|tr\.)(?:t|has)\(\s*['"]([\w.-]*\w)['"]""", text))
    # Keys chosen before the call (t(ok ? 'gradcheck.pass' : 'gradcheck.fail')): any quoted key.
    used |= set(re.findall(r"""['"]([a-z][a-z0-9]*(?:\.[\w-]+)+)['"]""", text)) & EN.keys()
    used |= {f"{key}.{form}" for key in plural_roots() for form in PLURAL_FORMS}
    families: dict[str, list[str]] = {
        "activation": list(get_args(ActivationName)), "loss": list(get_args(LossName)),
        "optimizer": list(get_args(OptimizerName)), "decay": list(get_args(ScheduleName)),
        "regularization": list(get_args(RegularizationName)),
        "init": list(get_args(InitializerName)), "feature": list(get_args(FeatureName)),
        "scaling": list(get_args(ScalingName)), "dataset": [*GENERATORS, "csv"],
        "fn": list(get_args(ActivationName)),
        "group": ["binary", "multiclass", "regression", "real"],
        "status": ["connecting", "running", "paused", "diverged", "disconnected"],
        "hyper": ["momentum", "rho", "beta1", "beta2", "epsilon", "decay_rate", "decay_steps",
                  "regularization_rate"],
        "inspect.fused": ["sigmoid", "softmax"],
        # dashboard.js: each choice of status with its count
        "dashboard.filter": ["all", "training", "paused", "diverged"],
        "lang": list(CATALOGUES),
        # index.html: the shortcut list, each key's name and what it does
        "keys": [f"{name}{part}" for name in ["space", "tab", "arrows", "enter", "escape", "walk",
                                               "reset", "fullscreen", "joinCode", "lessons", "help"]
                 for part in ("", "Key")],
        # refusals.js: a code's message, a CSV refusal's forms, how field messages join
        "refusal": [*server_codes(), *PYDANTIC_CODES, "csv.row", "csv.file", "csv.named", "join", "fieldMessage"],
        "field": [f"{section}.{name}" for section, model in
                  (("network", NetworkConfig), ("data", DataConfig), ("training", TrainingConfig))
                  for name in model.model_fields] + MESSAGE_FIELDS,
    }
    return used | {f"{prefix}.{name}" for prefix, names in families.items() for name in names}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_there_are_english_and_simplified_chinese():
    assert {"en", "zh-Hans"} <= CATALOGUES.keys()
    assert len(EN) > 300


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_catalogue_has_the_same_keys(language):
    keys = CATALOGUES[language].keys()
    assert sorted(EN.keys() - keys) == [], "missing"
    assert sorted(keys - EN.keys()) == [], "not in en.json"


def test_every_key_is_used_and_every_used_key_exists():
    used, plural = used_keys(), plural_roots()
    plural_forms = {f"{root}.{form}" for root in plural for form in PLURAL_FORMS}
    # Families the page asks has() about first may lack a name: refusal codes, fields, languages.
    missing = sorted(k for k in used - plural_forms if k not in EN
                     and not k.startswith(("refusal.", "field.", "lang.")))
    assert missing == []
    assert sorted(f"{root}.{form}" for root in plural for form in ("one", "other")
                  if f"{root}.{form}" not in EN) == []
    assert sorted(EN.keys() - used) == [], "unused keys"


def test_every_refusal_code_has_a_message_in_every_language():
    codes = server_codes() | set(PYDANTIC_CODES)
    assert {"limit", "batch_too_large", "session_not_found", "csv", "invalid_config"} <= codes
    for language, catalogue in CATALOGUES.items():
        assert sorted(c for c in codes if f"refusal.{c}" not in catalogue) == [], language


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_translations_fill_the_same_placeholders(language):
    for key, text in CATALOGUES[language].items():
        extra = {"n", "m"} if key.rsplit(".", 1)[-1] in PLURAL_FORMS else set()
        assert placeholders(text) <= placeholders(EN[key]) | extra, key
        assert placeholders(EN[key]) - extra <= placeholders(text), key


def test_chinese_is_not_english_left_untranslated():
    same = sorted(key for key, text in CATALOGUES["zh-Hans"].items()
                  if text == EN[key] and text not in SAME_IN_CHINESE
                  and re.search(r"[A-Za-z]{2,}", re.sub(r"\{\w+\}", "", text)))
    assert same == []


CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"


def test_chinese_punctuation_follows_clreq():
    """Full-width ，。：；！？ after Han, no spaces beside Han; numbers and Latin math as they are."""
    for key, text in CATALOGUES["zh-Hans"].items():
        assert not re.search(f"[{CJK}] | [{CJK}]", text), f"space beside Han in {key}: {text}"
        assert not re.search(f"[{CJK}][,:;!?]", text), f"half-width punctuation in {key}: {text}"
        assert not re.search(f"[{CJK}]\\.$", text), f"half-width full stop in {key}: {text}"


def test_the_glossary_words_are_used():
    """One word per concept, the one the learners' books use (../shared/GLOSSARY-zh.md)."""
    zh = "\n".join(CATALOGUES["zh-Hans"].values())
    for word in ["神经元", "权重", "偏置", "激活函数", "激活值", "前向传播", "反向传播", "误差",
                 "损失函数", "均方误差", "交叉熵", "梯度下降", "小批量", "学习率", "样本", "正则化",
                 "标准化", "归一化", "训练集", "测试集", "准确率", "隐藏层", "输入层", "输出层"]:
        assert word in zh, word
    for avoided in ["隐含层", "权值", "代价函数", "实例", "批次", "神经单元", "收敛速度"]:
        assert avoided not in zh, avoided
