"""What every benchmark shares: percentiles, timing loops, and the 2 KB reference message."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

PADDING = (
    "\n\nEl 12/03/2025, Atención al Cliente <clientes@example.com> escribió:\n"
    + "\n".join(
        "> Gracias por contactar con nosotros. Su consulta ha sido registrada con el número 4481." for _ in range(8)
    )
    + "\n\nAVISO LEGAL: Este mensaje y sus anexos son confidenciales y se dirigen exclusivamente a su destinatario. "
    "Le informamos de que puede ejercer sus derechos de acceso, rectificación y supresión ante el responsable. "
) * 3


def pad(body: str, size: int = 2048) -> str:
    """A mail of ``size`` characters: the body, then a quoted earlier message and a disclaimer."""
    return (body + PADDING)[:size]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Callable[[T], object], items: Iterable[T], repeat: int) -> list[float]:
    """Seconds per call of ``fn`` over ``items``, ``repeat`` times."""
    items = list(items)
    times = []
    for _ in range(repeat):
        for item in items:
            start = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - start)
    return times
