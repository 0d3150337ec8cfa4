"""Anonymous names for students' own copies on the class dashboard: an adjective and an animal,
in English and Chinese at once, so that the teacher reads them in either language and no
student's real name is needed. The student may change it (plain text, ``max_name_chars``)."""

import secrets

from app.errors import Refused

ADJECTIVES = (("Brave", "勇敢的"), ("Calm", "安静的"), ("Clever", "聪明的"), ("Curious", "好奇的"),
              ("Gentle", "温柔的"), ("Happy", "快乐的"), ("Lucky", "幸运的"), ("Quick", "敏捷的"),
              ("Quiet", "沉默的"), ("Sunny", "开朗的"), ("Swift", "迅速的"), ("Wise", "睿智的"))
ANIMALS = (("Crane", "仙鹤"), ("Dolphin", "海豚"), ("Falcon", "猎鹰"), ("Fox", "狐狸"),
           ("Koala", "考拉"), ("Otter", "水獭"), ("Owl", "猫头鹰"), ("Panda", "熊猫"),
           ("Rabbit", "兔子"), ("Tiger", "老虎"), ("Turtle", "海龟"), ("Whale", "鲸鱼"))


def anonymous_name() -> str:
    """A random adjective and animal, e.g. "Calm Otter 安静的水獭"."""
    adjective, animal = secrets.choice(ADJECTIVES), secrets.choice(ANIMALS)
    return f"{adjective[0]} {animal[0]} {adjective[1]}{animal[1]}"


def clean_name(name: str, limit: int) -> str:
    """A name as shown: runs of whitespace (line breaks too) become one space and control
    characters go, since it is printed on a dashboard card; empty or too long is refused."""
    shown = " ".join("".join(ch for ch in name if ch.isprintable() or ch.isspace()).split())
    if not shown:
        raise Refused("name_empty", "a name needs at least one visible character", field="name")
    if len(shown) > limit:
        raise Refused("name_too_long", f"at most {limit} characters (max_name_chars)", field="name",
                      params={"limit": limit, "setting": "max_name_chars"})
    return shown
