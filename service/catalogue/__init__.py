"""The bundled FISC「API接続チェックリスト」 editions: reading an edition file (``parsing``), the
editions shipped in ``editions/`` (``bundled``), an edition as a document (``serialising``)."""

from .bundled import EDITIONS_DIR, bundled_editions, current_edition, edition_order
from .errors import CatalogueError
from .parsing import ITEM_COUNT, edition_from_dict, load_edition
from .serialising import edition_to_dict

__all__ = [
    "EDITIONS_DIR",
    "ITEM_COUNT",
    "CatalogueError",
    "bundled_editions",
    "current_edition",
    "edition_from_dict",
    "edition_order",
    "edition_to_dict",
    "load_edition",
]
