"The command line, end to end: lpnb-train then lpnb-predict on real frames and video."
import numpy as np
import pandas as pd
import pytest

from lightning_pose_nb.core import bundled_data_dir
from lightning_pose_nb.data.csv import read_keypoint_csv
from lightning_pose_nb.testing import write_clip, example_video
from conftest import run_cli


def test_train_writes_every_output(trained_model_dir):
    names = {p.name for p in trained_model_dir.iterdir()}
    assert {"config.yaml", "predictions.csv", "predictions_pixel_error.csv", "video_preds", "summary.json"} <= names
    assert any(n.endswith("-best.ckpt") for n in names)
    preds = read_keypoint_csv(trained_model_dir / "predictions.csv")
    assert preds.keypoints.shape == (90, 17, 2)
    assert preds.scorer == "heatmap_tracker"
    assert sorted(set(preds.extra["set"])) == ["test", "train", "validation"]
    # frame pixels: the model saw 64x64 inputs, the frames are 396x406
    assert np.nanmax(preds.keypoints[..., 0]) > 64 and np.nanmax(preds.keypoints[..., 0]) <= 396
    err = pd.read_csv(trained_model_dir / "predictions_pixel_error.csv", index_col=0)
    assert list(err.columns) == preds.names + ["set"]
    labels = read_keypoint_csv(bundled_data_dir() / "CollectedData.csv")
    expected = np.sqrt(((preds.keypoints - labels.keypoints) ** 2).sum(-1))
    np.testing.assert_allclose(err.drop(columns="set").to_numpy(), expected, rtol=1e-5)  # NaN where unlabeled
    video = read_keypoint_csv(trained_model_dir / "video_preds" / "clip.csv")
    assert video.keypoints.shape == (12, 17, 2)
    assert ((video.likelihoods >= 0) & (video.likelihoods <= 1)).all()


def test_predict_reproduces_training_predictions(trained_model_dir, clip, tmp_path):
    res = run_cli("lpnb-predict", trained_model_dir, clip, bundled_data_dir() / "CollectedData.csv",
                  "--output-dir", tmp_path)
    assert "wrote" in res.stdout
    again = read_keypoint_csv(tmp_path / "predictions_CollectedData.csv")
    first = read_keypoint_csv(trained_model_dir / "predictions.csv")
    np.testing.assert_allclose(again.keypoints, first.keypoints, atol=1e-3)
    vid_again = read_keypoint_csv(tmp_path / "video_preds" / "clip.csv")
    vid_first = read_keypoint_csv(trained_model_dir / "video_preds" / "clip.csv")
    np.testing.assert_allclose(vid_again.keypoints, vid_first.keypoints, atol=1e-3)


def test_bad_config_value_fails_fast_naming_the_field(tiny_config, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(tiny_config.read_text().replace("model_type: heatmap", "model_type: heatmapz"))
    res = run_cli("lpnb-train", bad, "--output-dir", tmp_path / "m", check=False, in_process=False)  # the installed script itself
    assert res.returncode != 0
    assert "model.model_type" in res.stderr and "heatmap" in res.stderr
    assert not (tmp_path / "m").exists()  # nothing written before the config is known to be good


def test_predict_errors_name_the_problem(trained_model_dir, tmp_path):
    res = run_cli("lpnb-predict", tmp_path / "nowhere", "x.mp4", check=False)
    assert res.returncode == 2 and "model directory not found" in res.stderr and "Traceback" not in res.stderr
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00" * 100)
    res = run_cli("lpnb-predict", trained_model_dir, corrupt, "--output-dir", tmp_path, check=False)
    assert res.returncode != 0 and "corrupt.mp4" in res.stderr


@pytest.mark.parametrize("model_type,backbone", [("regression", "resnet18"), ("heatmap", "efficientnet_b0"),
                                                 ("heatmap", "vits_dino"), ("heatmap_mhcrnn", "resnet18"),
                                                 ("heatmap_mhcrnn", "vits_dino")])
def test_each_backbone_family_trains_and_predicts(model_type, backbone, fast_config, clip, tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(fast_config.read_text().replace("model_type: heatmap", f"model_type: {model_type}")
                   .replace("backbone: resnet18", f"backbone: {backbone}"))
    out = tmp_path / "model"
    run_cli("lpnb-train", cfg, "--output-dir", out, "--accelerator", "cpu")
    preds = read_keypoint_csv(out / "predictions.csv")
    assert preds.keypoints.shape == (90, 17, 2) and preds.scorer == f"{model_type}_tracker"
    assert np.isfinite(preds.keypoints).all()
    video = read_keypoint_csv(out / "video_preds" / "clip.csv")
    assert video.keypoints.shape == (12, 17, 2)
    if model_type == "regression":
        assert (preds.likelihoods == 1).all()  # no confidence measure: reported as 1
    run_cli("lpnb-predict", out, clip, "--output-dir", tmp_path / "again")
    again = read_keypoint_csv(tmp_path / "again" / "video_preds" / "clip.csv")
    np.testing.assert_allclose(again.keypoints, video.keypoints, atol=1e-3)


def test_context_model_predicts_every_frame_of_short_videos(fast_config, tmp_path):
    "Videos of 1, 3 and 7 frames: the context model pads the ends and predicts every frame."
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(fast_config.read_text().replace("model_type: heatmap", "model_type: heatmap_mhcrnn"))
    out = tmp_path / "model"
    run_cli("lpnb-train", cfg, "--output-dir", out, "--accelerator", "cpu")
    vids = tmp_path / "vids"
    for n in (1, 3, 7): write_clip(example_video(), vids / f"v{n}.mp4", n)
    run_cli("lpnb-predict", out, vids, "--output-dir", tmp_path / "p", "--batch-size", "4")
    for n in (1, 3, 7):
        preds = read_keypoint_csv(tmp_path / "p" / "video_preds" / f"v{n}.csv")
        assert preds.keypoints.shape == (n, 17, 2) and np.isfinite(preds.keypoints).all()
