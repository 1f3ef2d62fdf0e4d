"""The DPO assistant: classify GDPR requests, suggest grounded replies, answer visitors.

``analyze`` and ``answer`` are imported lazily so that the web and CLI processes that only need
configuration or storage do not pay for loading the NLP model.
"""

from __future__ import annotations

from typing import Any

__all__ = ["analyze", "answer"]


def __getattr__(name: str) -> Any:
    if name == "analyze":
        from .nlp.analyze import analyze

        return analyze
    if name == "answer":
        from .chat import answer

        return answer
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
