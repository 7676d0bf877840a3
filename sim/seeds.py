"""Seed blocks: how a run's replicates are seeded, in blocks of :data:`BLOCK`.

What the model's random streams (``sim.model.Stream``) are keyed by, and what sweeps, runs
and executors split their work by; it needs no model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BLOCK = 10_000
"""Replicates per seed block. Replicate ``i`` of a run is replicate ``i % BLOCK`` of block
``i // BLOCK``, whose random streams derive from ``SeedSequence(seed, spawn_key=(block,))``
alone. A stream gives each replicate of a block a fixed position in each day's draw (see
:class:`sim.model.Stream`), so replicate ``i``'s numbers depend only on the seed, ``i`` and
the draw: not on the run's size, nor on how blocks are grouped into models, tasks or
workers."""

BLOCKS_PER_MODEL = 10
"""Seed blocks one model steps together: a performance setting, not a statistical one."""


def seed_sequence(rng: Any) -> np.random.SeedSequence:
    """A SeedSequence from an int, a SeedSequence, a Generator or None (fresh entropy)."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    return np.random.SeedSequence(rng)


@dataclass(frozen=True)
class Block:
    """Replicates seeded together: the first ``size`` of the seed block ``seed`` (any
    ``size``: a replicate's numbers do not depend on how many share its block)."""

    seed: np.random.SeedSequence
    size: int


def block_count(replicates: int) -> int:
    return -(-replicates // BLOCK)


def seed_blocks(seed: Any, replicates: int, first: int = 0, stop: int | None = None
                ) -> list[Block]:
    """Blocks ``first`` to ``stop`` (exclusive) of a run of ``replicates`` seeded ``seed``
    (an int, or anything :func:`seed_sequence` takes)."""
    root = seed_sequence(seed)
    stop = block_count(replicates) if stop is None else stop
    return [Block(np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k)),
                  min(BLOCK, replicates - k * BLOCK)) for k in range(first, stop)]
