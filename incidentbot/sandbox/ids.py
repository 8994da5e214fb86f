"""Identifiers, tokens and timestamps shaped like Slack's."""

from __future__ import annotations

import random
import string
import time
import uuid

_UPPER_ALNUM = string.ascii_uppercase + string.digits
_ALNUM = string.ascii_letters + string.digits


class IdFactory:
    """Makes Slack-looking ids; message timestamps are strictly increasing per factory."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._last_ts_us = 0

    def object_id(self, prefix: str, length: int = 10) -> str:
        """`C0A1B2C3D4`-style ids: a type letter then upper-case letters and digits."""
        return prefix + "".join(self._rng.choices(_UPPER_ALNUM, k=length))

    def short_id(self, length: int = 5) -> str:
        """Mixed-case ids like the block ids Slack fills in."""
        return "".join(self._rng.choices(_ALNUM, k=length))

    def message_ts(self) -> str:
        """A message ts such as `1763890000.000100`; never repeats, never goes backwards."""
        now_us = time.time_ns() // 1000
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def trigger_id(self) -> str:
        """A trigger id such as `12345678901.1234567890.0123456789abcdef0123456789abcdef`."""
        first = self._rng.randint(10**10, 10**11 - 1)
        second = self._rng.randint(10**9, 10**10 - 1)
        return f"{first}.{second}.{self._rng.getrandbits(128):032x}"

    def envelope_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def event_id(self) -> str:
        return self.object_id("Ev", 10)

    def view_hash(self) -> str:
        return f"{int(time.time())}.{self.short_id(8)}"

    def url_token(self) -> str:
        return "".join(self._rng.choices(_ALNUM, k=24))

    def bot_token(self) -> str:
        digits = "".join(self._rng.choices(string.digits, k=13))
        return f"xoxb-1000000000-{digits}-{self.url_token()}"

    def app_token(self, app_id: str) -> str:
        digits = "".join(self._rng.choices(string.digits, k=13))
        return f"xapp-1-{app_id}-{digits}-{self._rng.getrandbits(256):064x}"
