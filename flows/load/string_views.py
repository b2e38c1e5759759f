"""Arrow string views of short strings, read as they are: Polars hands its strings over this way.

A string view is 16 bytes: the string's length (4 bytes, little-endian), then a string of up to
``INLINE`` bytes itself (zero-padded), else a prefix and where the bytes lie. Short strings are
therefore compared and copied through their views, without reading any string.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

INLINE = 12  # bytes of a string a view holds itself


def short_views(values: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """A string view array's views, (count, 16) bytes, and lengths, if every string is short
    enough (``INLINE``) to be held in its view: Polars' strings, as a rule. Else None."""
    if not pa.types.is_string_view(values.type) or not len(values):
        return None
    views = np.frombuffer(values.buffers()[1], np.uint8, len(values) * 16, values.offset * 16)
    views = views.reshape(len(values), 16)
    lengths = views[:, :4].view("<i4").reshape(-1)
    return (views, lengths) if lengths.max() <= INLINE else None


def differs(views: np.ndarray) -> np.ndarray:
    """Whether each short string (``short_views``) differs from the one before: one less than
    the strings. Equal strings have equal views, so two words are compared, not the strings (a
    null's view may hold anything: the caller tells nulls apart)."""
    words = views.view("<u8")
    changed = words[1:, 0] != words[:-1, 0]
    changed |= words[1:, 1] != words[:-1, 1]
    return changed
