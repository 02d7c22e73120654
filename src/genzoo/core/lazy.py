"""Lazy references: "package.module:Attribute" strings, imported only when used.

Registration stores these strings so that listing the zoo never imports torch
or model code; `resolve` turns one into the object when a model is built.
"""

from __future__ import annotations

import importlib
import re

from genzoo.core.errors import GenzooError

_REF = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def is_ref(text: str) -> bool:
    """Whether `text` has the "package.module:Attribute" form."""
    return bool(_REF.match(text))


def resolve(ref: str) -> object:
    """Import the module of `ref` and return the attribute it names."""
    module_name, _, attr_path = ref.partition(":")
    try:
        obj: object = importlib.import_module(module_name)
    except ImportError as err:
        raise GenzooError(f"cannot import {module_name!r} (named by {ref!r}): {err}") from err
    for attr in attr_path.split("."):
        try:
            obj = getattr(obj, attr)
        except AttributeError as err:
            raise GenzooError(f"{module_name!r} has no attribute {attr_path!r} ({ref!r})") from err
    return obj
