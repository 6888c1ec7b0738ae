"""A running trial's parameters, or its attributes, written to the study's database in one
statement each, where Optuna's RDB storage spends a few statements on every row.

The rows are Optuna's own (its tables and JSON encoding, as `RDBStorage.set_trial_param` and
`set_trial_user_attr` write them), written only after the trial is found still running in the
same transaction: a trial another worker has failed raises UpdateFinishedTrialError, as Optuna's
write would. A parameter is inserted, as Optuna inserts it (a trial suggests each once). An
attribute replaces any of the same key, as Optuna's upsert does: a failed trial's retry inherits
its user attributes, which a worker killed while telling it may have written. Any other storage
gets one call a row, Optuna's own.
"""

from __future__ import annotations

import json
from typing import Any

from optuna.distributions import BaseDistribution, distribution_to_json
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import BaseStorage, RDBStorage

try:  # Optuna's table definitions: not a public API, so every storage has the slow path too
    from optuna.storages._rdb import models
except ImportError:  # pragma: no cover - an Optuna that moved them
    models = None


class BulkWriter:
    def __init__(self, storage: BaseStorage, rdb: RDBStorage | None):
        self.storage = storage  # the study's storage, for the one-call-a-row path
        self.engine = rdb.engine if rdb is not None and models is not None else None

    def params(self, trial_id: int, params: dict[str, tuple[float, BaseDistribution]]) -> None:
        """{name: (internal value, distribution)}."""
        if not params:
            return
        if self.engine is None:
            for name, (value, distribution) in params.items():
                self.storage.set_trial_param(trial_id, name, value, distribution)
            return
        rows = [
            {
                "trial_id": trial_id,
                "param_name": name,
                "param_value": value,
                "distribution_json": distribution_to_json(distribution),
            }
            for name, (value, distribution) in params.items()
        ]
        self._insert(trial_id, {models.TrialParamModel: rows})

    def attrs(self, trial_id: int, user: dict[str, Any], system: dict[str, Any]) -> None:
        if not user and not system:
            return
        if self.engine is None:
            for key, value in user.items():
                self.storage.set_trial_user_attr(trial_id, key, value)
            for key, value in system.items():
                self.storage.set_trial_system_attr(trial_id, key, value)
            return
        tables = {
            models.TrialUserAttributeModel: _attr_rows(trial_id, user),
            models.TrialSystemAttributeModel: _attr_rows(trial_id, system),
        }
        self._insert(trial_id, tables, replacing=True)

    def _insert(self, trial_id: int, tables: dict, replacing: bool = False) -> None:
        from sqlalchemy import delete, insert, select

        trial = models.TrialModel
        with self.engine.begin() as connection:
            found = connection.execute(
                select(trial.number, trial.state).where(trial.trial_id == trial_id)
            ).one_or_none()
            if found is None:
                raise KeyError(f"no trial with id {trial_id}")
            if found.state.is_finished():
                raise UpdateFinishedTrialError(
                    f"Trial#{found.number} has already finished and can not be updated."
                )
            for model, rows in tables.items():
                if not rows:
                    continue
                if replacing:  # delete and insert: an upsert in any database's SQL
                    keys = [row["key"] for row in rows]
                    connection.execute(
                        delete(model).where(model.trial_id == trial_id, model.key.in_(keys))
                    )
                connection.execute(insert(model), rows)


def _attr_rows(trial_id: int, attrs: dict[str, Any]) -> list[dict]:
    return [
        {"trial_id": trial_id, "key": key, "value_json": json.dumps(value)}
        for key, value in attrs.items()
    ]
