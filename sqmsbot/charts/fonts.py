"""The fonts the charts draw with, registered from installed packages, never from the system.

A fresh server or CI machine has no Chinese font, and matplotlib then draws every Han character as
an empty box ("tofu") with only a warning. So the Noto Sans CJK collection comes as a dependency
(`noto-cjk-sans-otc`, SIL OFL 1.1: one `.ttc` of the Regular weight with SC, TC, JP, KR and HK faces,
19 MB installed) and is added to matplotlib's font manager from the package's own path when this
module is imported (about 15 ms; matplotlib ≥ 3.11 registers every face of a collection by name).
Latin text keeps DejaVu Sans, which ships inside matplotlib.

Each chart names its fonts as a fallback list on every text it draws — the reader's language first,
the other after — rather than through `rcParams`, which are global and would race between threads
drawing for different readers. A Chinese cause name in an English digest still renders (the list
falls through to the CJK face), and so do Latin names in a Chinese one.
"""

from __future__ import annotations

import logging
from importlib import resources

from matplotlib import font_manager

log = logging.getLogger(__name__)

CJK_PACKAGE = "noto-cjk-sans-otc"
CJK_MODULE = "noto_cjk_sans_otc"
CJK_FILE = "NotoSansCJK-Regular.ttc"
CJK_FAMILY = "Noto Sans CJK SC"
"""The Simplified Chinese face: the collection shares glyphs between its faces but each face picks
the regional forms (骨, 直, 该 differ between SC, TC and JP), so zh_CN asks for SC by name."""
LATIN_FAMILY = "DejaVu Sans"


def _register() -> str | None:
    """Add the CJK collection to matplotlib's font manager; its path, or None (logged) when the
    package is missing — charts then still draw, Chinese as boxes, rather than failing a digest."""
    try:
        path = resources.files(CJK_MODULE).joinpath(CJK_FILE)
    except ModuleNotFoundError:
        log.error("the %s package is not installed: Chinese text in charts will not render", CJK_PACKAGE)
        return None
    if not path.is_file():
        log.error("%s has no %s: Chinese text in charts will not render", CJK_PACKAGE, CJK_FILE)
        return None
    font_manager.fontManager.addfont(str(path))
    return str(path)


CJK_PATH = _register()


def families(locale: str) -> list[str]:
    """The font fallback list for a reader: their script's font first, so its punctuation and digits
    are the ones drawn, and the other script's font behind it for names in the other language."""
    if locale.startswith("zh"):
        return [CJK_FAMILY, LATIN_FAMILY]
    return [LATIN_FAMILY, CJK_FAMILY]
