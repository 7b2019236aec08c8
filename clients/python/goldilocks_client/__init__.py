"""Client of the Goldilocks teacher service (``goldilocks-server``).

Standard library only. ``goldilocks_client.trl`` and ``goldilocks_client.verl`` adapt it to TRL's
``GRPOTrainer`` and to verl's curriculum hooks; they import those libraries lazily.
"""

from .client import (
    AuthenticationError,
    ConflictError,
    GoldilocksClient,
    GoldilocksError,
    InvalidRequestError,
    NotReadyError,
    RunMismatchError,
)

__all__ = [
    "GoldilocksClient",
    "GoldilocksError",
    "AuthenticationError",
    "ConflictError",
    "InvalidRequestError",
    "NotReadyError",
    "RunMismatchError",
]
__version__ = "0.1.0"
