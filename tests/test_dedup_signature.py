"""presswatch's own MinHash arithmetic gives datasketch's values exactly.

Signatures stored in an archive were made with datasketch's ``MinHash`` (seed 1, "affine32"
scheme, CRC-32 of each shingle as the input hash); crawler.dedup.minhash now computes them with
numpy and without importing datasketch, so every value must still be the same.
"""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest
from datasketch import MinHash

from crawler.dedup import minhash
from tests.dedup_texts import THAI_BODY, WIRE_BODY
from tests.newsweb import generate_web


def _datasketch_signature(shingle_set: set[str], num_perm: int) -> np.ndarray:
    reference = MinHash(num_perm=num_perm, seed=1, scheme="affine32", hashfunc=int)
    reference.update_batch([zlib.crc32(shingle.encode("utf-8")) for shingle in shingle_set])
    return np.asarray(reference.hashvalues, dtype="<u4")


@pytest.mark.parametrize("num_perm", [1, 4, 64, 128, 256])
def test_permutations_are_datasketchs(num_perm):
    ours = minhash._permutations(num_perm)
    theirs = MinHash(num_perm=num_perm, seed=1, scheme="affine32").permutations
    assert ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)


def _texts() -> list[str]:
    web = generate_web(seed=4, sites=6, articles_per_site=12, hostile=False)
    texts = [article.body for article in web.articles]
    texts += [WIRE_BODY, THAI_BODY, "北港市の港湾労働者が" * 8, "word " * 40]
    generator = random.Random(7)
    pieces = ["Gaza", "cease-fire", "ß", "ﬁne", "١٢٣", "x_y", "—", "ｔｅｓｔ", "é", "ναι"]
    for _ in range(100):
        texts.append(" ".join(generator.choice(pieces) for _ in range(generator.randint(0, 60))))
    return texts


@pytest.mark.parametrize("num_perm", [64, 128])
def test_signatures_are_datasketchs(num_perm):
    compared = 0
    for text in _texts():
        shingle_set = minhash.shingles(text)
        ours = minhash.signature(shingle_set, num_perm)
        if len(shingle_set) < minhash.MIN_SHINGLES:
            assert ours is None
            continue
        assert ours.dtype == np.dtype("<u4")
        assert np.array_equal(ours, _datasketch_signature(shingle_set, num_perm)), text[:60]
        compared += 1
    assert compared > 80
