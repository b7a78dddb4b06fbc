"""Stripe's request encoding: `a[b][0][c]=v` form fields → nested dicts and lists."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_PART = re.compile(r"\[([^\]]*)\]")


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        items = {k: _listify(v) for k, v in value.items()}
        if items and all(k.isdigit() for k in items):
            return [items[k] for k in sorted(items, key=int)]
        return items
    return value


def decode(body: str) -> dict[str, Any]:
    """The nested parameters of a form body or query string."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head = key.split("[", 1)[0]
        path = [head, *_PART.findall(key[len(head) :])]
        node = root
        for i, part in enumerate(path[:-1]):
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            if path[i + 1] == "":  # `expand[]=x`: append
                path[i + 1] = str(len(child))
            node = child
        node[path[-1]] = value
    return dict(_listify(root))
