"""Optional cProfile of a measurement step (``--profile``): the functions that dominate."""

from __future__ import annotations

import cProfile
import pstats
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def summary(profile: cProfile.Profile, top: int = 8) -> str:
    """The ``top`` functions by own time, with their share of the profiled time,
    plus the heaviest callers by cumulative time from this repository."""
    stats = pstats.Stats(profile)
    total = stats.total_tt or 1e-9
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]  # type: ignore[attr-defined]
    own = ", ".join(f"{_name(func)} {tt / total:.0%}" for func, (_, _, tt, _, _) in rows)
    ours = sorted(
        ((func, ct) for func, (_, _, _, ct, _) in stats.stats.items() if "/service/" in func[0]),  # type: ignore[attr-defined]
        key=lambda kv: kv[1],
        reverse=True,
    )[:top]
    cumulative = ", ".join(f"{_name(func)} {ct / total:.0%}" for func, ct in ours)
    return f"own time: {own}; cumulative (service/*): {cumulative}"


def _name(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name.strip("<>")
    parts = Path(filename).parts
    short = "/".join(parts[-2:]) if len(parts) >= 2 else filename
    return f"{short}:{line}({name})"


@contextmanager
def maybe_profile(enabled: bool, label: str, notes: list[str], directory: Path | None = None) -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        notes.append(f"profile {label} — {summary(profile)}")
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            profile.dump_stats(str(directory / f"{label.replace(' ', '_')}.prof"))
