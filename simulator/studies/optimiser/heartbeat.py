"""A batch's heartbeat: the running trials of a batch beaten from one thread.

Optuna beats a trial from a thread of its own while its objective runs (`optimize`), so that a
worker that dies leaves trials the next worker finds stale, fails and runs again. A batch, which
smmsim asks and tells itself, beats its trials the same way from one thread for the whole batch
(a thread a trial cost a batch of 8 about a tenth of its time): each trial is beaten once as it
is asked, so a worker killed before the batch is simulated leaves no trial unbeaten, then all of
them every interval until the batch is told.
"""

from __future__ import annotations

from threading import Event, Thread

from optuna.storages import BaseStorage


class BatchHeartbeat:
    def __init__(self, storage: BaseStorage):
        self.storage = storage
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self.interval: int | None = interval  # None: the storage keeps no heartbeats
        self.trial_ids: list[int] = []
        self._stop = Event()
        self._thread: Thread | None = None

    def __enter__(self) -> BatchHeartbeat:
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def add(self, trial_id: int) -> None:
        """A trial of the batch, beaten now."""
        if self.interval is None:
            return
        self.storage.record_heartbeat(trial_id)
        self.trial_ids.append(trial_id)

    def start(self) -> None:
        """Beat every trial added, every interval, until the batch ends."""
        if self.interval is None or not self.trial_ids:
            return
        self._thread = Thread(target=self._beat, daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(timeout=self.interval):
            for trial_id in self.trial_ids:
                self.storage.record_heartbeat(trial_id)
