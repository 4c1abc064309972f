"""The Jinja environment of the web app."""

from __future__ import annotations

from typing import Any

from flask.templating import Environment

_DICT_ATTRIBUTES = frozenset(dir(dict))


class ViewEnvironment(Environment):
    """``x.name`` on a plain dict looks the key up directly.

    The pages' view models are plain dicts, and Jinja's default tries ``getattr`` first,
    raising and catching an ``AttributeError`` on each of the thousands of lookups a review
    page makes. The result is the same as Jinja's: a dict's own attributes (``get``,
    ``items`` …) still win over its keys.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
