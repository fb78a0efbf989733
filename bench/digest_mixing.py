"""How well the sync's row digest mixes: the checks behind docs/sync.md's exactness argument.

A chunk's checksum XORs its rows' 64-bit digests, so what matters is whether the digest
*differences* of changed rows can cancel. For the CRC path the digest is
`mix_crc_pair(CRC32, CRC32C)`; the CRCs are affine over GF(2), so a change Δ to a row's text
changes its CRC pair by a fixed (d, e) that depends on Δ only. This script measures, on random
CRC pairs (pure Python, seeded, about a minute):

- avalanche: flipping one input bit flips each output bit with probability 0.5 (the worst
  deviation over all 64 x 64 bit pairs is printed);
- beside each figure, the same figure for a reference random function (the first 64 bits of
  BLAKE2b of the pair), which shows the sampling noise of that many samples;
- structured cancellation: two rows get the same (d, e) (the same change on two rows): how
  often each 16-bit slice of the two digest differences XOR-ed together is zero, as a multiple
  of 2^-16 (1.0 is what a random function gives), and how often all 64 bits are (a linear
  digest: every time).

    uv run python bench/digest_mixing.py [--samples 262144]
"""

import argparse
import hashlib
import random
import sys
from collections.abc import Callable

from tapstack_sync.digest import mix_crc_pair

LOW32 = 0xFFFFFFFF
PATTERNS = {  # (d, e): what one change does to (CRC32, CRC32C)
    "one bit of CRC32 only": (1, 0),
    "one bit of CRC32C only": (0, 1),
    "top bits of both": (1 << 31, 1 << 31),
    "low two bits of both": (3, 3),
    "same sparse word in both": (0x10001, 0x10001),
    "a typical change (random d, e)": (0x9E3779B9, 0x7F4A7C15),
}


def linear_pair(crc32: int, crc32c: int) -> int:
    """The digest before session 5: the two CRCs side by side."""
    return (crc32 << 32) | crc32c


def blake2b_64(crc32: int, crc32c: int) -> int:
    """A reference random function of the pair: the first 64 bits of its BLAKE2b."""
    digest = hashlib.blake2b(((crc32 << 32) | crc32c).to_bytes(8, "big"), digest_size=8)
    return int.from_bytes(digest.digest(), "big")


def avalanche(digest: Callable[[int, int], int], rng: random.Random, samples: int) -> float:
    """The largest |P(output bit flips) - 0.5| over every input bit and output bit."""
    worst = 0.0
    inputs = [(rng.getrandbits(32), rng.getrandbits(32)) for _ in range(samples)]
    for bit in range(64):
        flips = [0] * 64
        for a, b in inputs:
            changed = (a ^ (1 << bit), b) if bit < 32 else (a, b ^ (1 << (bit - 32)))
            diff = digest(a, b) ^ digest(*changed)
            for out in range(64):
                flips[out] += (diff >> out) & 1
        worst = max(worst, max(abs(count / samples - 0.5) for count in flips))
    return worst


def cancellation(
    digest: Callable[[int, int], int], d: int, e: int, rng: random.Random, samples: int
) -> tuple[float, int]:
    """(worst 16-bit slice cancellation rate in units of 2^-16, full 64-bit cancellations)."""
    slices = [0, 0, 0, 0]
    full = 0
    for _ in range(samples):
        total = 0
        for _row in range(2):
            a, b = rng.getrandbits(32), rng.getrandbits(32)
            total ^= digest(a, b) ^ digest(a ^ d, b ^ e)
        full += total == 0
        for index in range(4):
            slices[index] += (total >> (16 * index)) & 0xFFFF == 0
    return max(slices) / samples * 65536, full


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=262_144)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - seeded measurement, not secrets
    digests = {
        "linear CRC pair (before)": linear_pair,
        "mix_crc_pair (now)": mix_crc_pair,
        "BLAKE2b-64 (reference)": blake2b_64,
    }
    print(f"{args.samples:,} random CRC pairs per line\n")
    print(f"{'digest':<28} {'avalanche: worst |p - 0.5|':>28}")
    for name, digest in digests.items():
        print(f"{name:<28} {avalanche(digest, rng, max(args.samples // 32, 1024)):>28.4f}")
    print(
        f"\n{'two rows, same change (d, e)':<34} {'digest':<26} "
        f"{'worst 16-bit slice x 2^-16':>27} {'all 64 bits cancel':>19}"
    )
    for pattern, (d, e) in PATTERNS.items():
        for name, digest in digests.items():
            rate, full = cancellation(digest, d, e, rng, args.samples)
            print(f"{pattern:<34} {name:<26} {rate:>27.2f} {full:>12,} of {args.samples:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
