"""Get a long-running process ready before its first message or request.

Models and indexes are loaded once, then moved out of the garbage collector's way: they live as
long as the process, and full collections walking over them cost ~15% of classification time.
"""

from __future__ import annotations

import gc


def load_models() -> None:
    """The classifier and the chat index, now rather than on the first message or question."""
    from .chat import get_engine
    from .nlp.analyze import get_analyzer

    get_analyzer()
    get_engine()


def freeze_heap() -> None:
    """Everything alive now is kept for good; later collections only walk what came after."""
    gc.collect()
    gc.freeze()
