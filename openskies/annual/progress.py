"""A tqdm progress bar for :func:`openskies.annual.plan.plan_year` (internal).

``plan_year(progress=None)`` shows the bar only when standard error is a
terminal or a notebook is running (interactive), never in a pipe, a log or
CI; ``progress=True`` forces it and ``progress=False`` turns it off.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["TqdmProgress", "interactive"]


def interactive() -> bool:
    """Whether a person is likely watching: a terminal on stderr or IPython."""
    if (
        "IPython" in sys.modules
        and getattr(sys.modules["IPython"], "get_ipython", lambda: None)()
    ):
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class TqdmProgress:
    """``progress(stage, done, total)`` drawn as one tqdm bar over the stages.

    The bar advances once per finished stage; during the routes stage its
    postfix counts the routes planned.
    """

    def __init__(self, stages: tuple[str, ...], **options: Any) -> None:
        """Open the bar (``options`` go to ``tqdm.auto.tqdm``)."""
        from tqdm.auto import tqdm

        self._bar: Any = tqdm(total=len(stages), unit="stage", **options)

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Show ``stage`` and advance when it ends."""
        self._bar.set_description(stage)
        if stage == "routes" and done < total:
            self._bar.set_postfix_str(f"route {done}/{total}")
        elif done >= total:
            if stage == "routes":
                self._bar.set_postfix_str(f"{total} routes")
            self._bar.update(1)

    def close(self) -> None:
        """Close the bar."""
        self._bar.close()
