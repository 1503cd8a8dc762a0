"""A real MLflow tracking store filled the way a training script would, with controlled times.

Runs are created with explicit start times (MLflow accepts them), so which file version a run
read is decided by the test, not by how fast the machine is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DAY_MS = 86_400_000


@dataclass
class LoggedInput:
    path: Path
    name: str
    context: str = "training"
    from_code: bool = False  # logged with no source, as autolog logs the frames it is given


class MlflowProject:
    """Experiments, runs, dataset inputs and registry entries in one MLflow store."""

    def __init__(self, uri: str, artifacts: Path) -> None:
        from mlflow import MlflowClient

        self.uri = uri
        self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        artifacts.mkdir(parents=True, exist_ok=True)
        self.experiment_id = self.client.create_experiment(
            "recsys", artifact_location=artifacts.as_uri()
        )
        self.clock_ms = int(time.time() * 1000) - 30 * DAY_MS

    def tick(self, minutes: int = 10) -> int:
        """Advance the project's clock (run start times) and return it in ms."""
        self.clock_ms += minutes * 60_000
        return self.clock_ms

    def run(
        self,
        *,
        inputs: list[LoggedInput] = (),  # type: ignore[assignment]
        params: dict[str, Any] | None = None,
        metrics: dict[str, list[float]] | None = None,
        commit: str | None = None,
        finish: bool = True,
        start_ms: int | None = None,
    ) -> str:
        import mlflow.data
        import pandas as pd
        from mlflow.entities import DatasetInput, InputTag

        start = start_ms if start_ms is not None else self.tick()
        tags = {"mlflow.source.git.commit": commit} if commit else None
        run = self.client.create_run(self.experiment_id, start_time=start, tags=tags)
        run_id = run.info.run_id
        for key, value in (params or {}).items():
            self.client.log_param(run_id, key, value)
        for key, values in (metrics or {}).items():
            for step, value in enumerate(values):
                self.client.log_metric(run_id, key, value, timestamp=start + step, step=step)
        logged = []
        for item in inputs:
            frame = pd.read_csv(item.path)
            source = None if item.from_code else str(item.path)
            dataset = mlflow.data.from_pandas(frame, source=source, name=item.name)
            tag = InputTag(key="mlflow.data.context", value=item.context)
            logged.append(DatasetInput(dataset=dataset._to_mlflow_entity(), tags=[tag]))
        if logged:
            self.client.log_inputs(run_id, datasets=logged)
        if finish:
            self.client.set_terminated(run_id, "FINISHED", end_time=start + 60_000)
        return run_id

    def register(self, name: str, run_id: str) -> str:
        try:
            self.client.get_registered_model(name)
        except Exception:  # noqa: BLE001 - MLflow raises its own not-found exception
            self.client.create_registered_model(name)
        version = self.client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
        return str(version.version)

    def alias(self, name: str, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(name, alias, version)
