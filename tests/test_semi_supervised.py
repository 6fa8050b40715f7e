"Semi-supervised training end to end on CPU: every single-view model type, unlabeled video, metric files."
import numpy as np
import pandas as pd
import pytest
import yaml

from lightning_pose_nb.data.csv import read_keypoint_csv
from lightning_pose_nb.models import MODELS
from lightning_pose_nb.train import train
from conftest import run_cli

SINGLEVIEW_TYPES = [t for t in MODELS if True in MODELS[t] and t != "heatmap_multiview_transformer"]


@pytest.fixture(scope="module")
def semi_config(tiny_config, tmp_path_factory):
    cfg = yaml.safe_load(tiny_config.read_text())
    cfg["model"]["losses_to_use"] = ["temporal", "pca_singleview"]
    cfg["training"].update(max_epochs=1, min_epochs=1, log_every_n_steps=1)
    cfg["dali"]["base"]["train"]["sequence_length"] = 6
    cfg["dali"]["context"]["train"]["batch_size"] = 7
    path = tmp_path_factory.mktemp("semi") / "semi.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def check_outputs(model_dir, n_frames=12):
    logs = pd.read_csv(model_dir / "logs" / "metrics.csv")
    for col in ("train_temporal_loss", "train_pca_singleview_loss", "total_loss", "total_unsupervised_importance"):
        assert col in logs and np.isfinite(logs[col].dropna()).all() and logs[col].notna().any(), col
    vp = model_dir / "video_preds"
    preds = read_keypoint_csv(vp / "clip.csv")
    assert preds.keypoints.shape == (n_frames, 17, 2)
    tn = pd.read_csv(vp / "clip_temporal_norm.csv", index_col=0)
    expected = np.sqrt((np.diff(preds.keypoints, axis=0) ** 2).sum(-1))
    np.testing.assert_allclose(tn.to_numpy()[1:], expected, rtol=1e-4, atol=1e-4)
    assert tn.iloc[0].isna().all()
    sv = pd.read_csv(vp / "clip_pca_singleview_error.csv", index_col=0)
    assert sv["obs_top"].isna().all()            # not in columns_for_singleview_pca
    assert sv["nose_top"].notna().all() and (sv["nose_top"] >= 0).all()
    mv = pd.read_csv(model_dir / "predictions_pca_multiview_error.csv", index_col=0)
    assert mv["paw1LH_top"].notna().all() and mv["obsLow_bot"].isna().all()
    assert "set" in mv.columns


def test_semi_supervised_heatmap_from_the_command_line(semi_config, tmp_path):
    out = tmp_path / "semi"
    res = run_cli("lpnb-train", semi_config, "--output-dir", out, "--accelerator", "cpu")
    assert "mean pixel error" in res.stdout
    check_outputs(out)
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["model"]["losses_to_use"] == ["temporal", "pca_singleview"]


@pytest.mark.parametrize("model_type", [t for t in SINGLEVIEW_TYPES if t != "heatmap"])
def test_semi_supervised_model_types(model_type, semi_config, tmp_path):
    res = train(semi_config, tmp_path / model_type, {"model": {"model_type": model_type}}, accelerator="cpu",
                progress=False, limit_train_batches=2)
    check_outputs(res.model_dir)
    assert np.isfinite(res.pixel_error["all"])


def test_semi_supervised_needs_video(semi_config, tmp_path):
    bad = tmp_path / "bad.yaml"
    cfg = yaml.safe_load(semi_config.read_text())
    cfg["data"]["video_dir"] = str(tmp_path / "no-videos-here")
    bad.write_text(yaml.safe_dump(cfg))
    res = run_cli("lpnb-train", bad, "--output-dir", tmp_path / "m2", check=False)
    assert res.returncode != 0 and "data.video_dir" in res.stderr
    assert not (tmp_path / "m2").exists()  # nothing written before the data is known to be there
