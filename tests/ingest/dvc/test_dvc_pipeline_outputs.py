"""`pipeline_outputs`: which files a commit's DVC pipelines write, and what each is made from —
read from `dvc.lock` in git, so root cause can tell a pipeline's result from its input."""

from __future__ import annotations

from graph.ingest.dvc import pipeline_outputs


def test_outputs_carry_their_stage_inputs_transitively(pipeline):
    outputs = pipeline_outputs(pipeline.repo.root, pipeline.c3)
    assert set(outputs) == {"data/features", "model.pkl"}
    assert outputs["data/features"] == {"data/raw.csv", "src/prepare.py"}
    # model.pkl is made from the features, so from what the features are made from too
    assert outputs["model.pkl"] == {
        "data/features",
        "data/raw.csv",
        "src/prepare.py",
        "src/train.py",
        "params.yaml",
    }


def test_an_unknown_commit_writes_nothing(pipeline):
    assert pipeline_outputs(pipeline.repo.root, "0" * 40) == {}
