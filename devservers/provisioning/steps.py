"""What a worker step asks for next: the task layer turns a NextStep into a countdown, never a sleep."""

import random
from dataclasses import dataclass
from enum import Enum

FOLLOW_FIRST_DELAY = 2.0
FOLLOW_MAX_DELAY = 15.0


class Step(Enum):
    NOTHING = "nothing"
    FOLLOW = "follow"
    RETRY_SUBMIT = "retry_submit"
    CHECK_OUTCOME = "check_outcome"
    DELETE_WHEN_STOPPED = "delete_when_stopped"


@dataclass(frozen=True)
class NextStep:
    step: Step
    countdown: float = 0.0

    @classmethod
    def nothing(cls) -> "NextStep":
        return cls(Step.NOTHING)


def backoff_seconds(attempt: int, *, first: float, most: float) -> float:
    """Exponential back-off with full jitter on the upper half, so retries spread out."""
    ceiling = min(most, first * (1.5**attempt))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
