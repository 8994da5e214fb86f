"""What the composition root decides on its own."""

import os
import socket

from incidentbot.composition import new_worker_id


def test_each_process_start_has_its_own_worker_id() -> None:
    first, second = new_worker_id(), new_worker_id()
    assert first != second  # a restarted container with the same pid is still a new worker
    assert first.startswith(f"{socket.gethostname()}:{os.getpid()}:")  # operators see where it runs
