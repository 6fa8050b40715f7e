"Calibrated multiview end to end: 3-D targets, the 3-D losses in training, and the 3-D outputs on the calibrated example."
import json
import numpy as np
import pandas as pd
import pytest
import yaml

from lightning_pose_nb.core import repo_root
from lightning_pose_nb.data.calibrated_example import bundled_calibrated_dir, read_ground_truth_3d, CALIBRATED_VIEWS
from lightning_pose_nb.data.csv import read_keypoint_csv
from lightning_pose_nb.outputs3d import read_points_3d_csv
from conftest import run_cli


@pytest.fixture(scope="module")
def calibrated_run(tmp_path_factory):
    "One tiny epoch of the calibrated config with both 3-D losses, from the command line."
    tmp = tmp_path_factory.mktemp("calibrated")
    cfg = yaml.safe_load((repo_root() / "configs" / "calibrated-3cam.yaml").read_text())
    data = bundled_calibrated_dir()
    cfg["data"].update(data_dir=str(data), video_dir=str(data / "videos"), image_resize_dims={"height": 64, "width": 64})
    cfg["training"].update(max_epochs=1, min_epochs=1, check_val_every_n_epoch=1, log_every_n_steps=1, train_frames=16)
    cfg["eval"]["test_videos_directory"] = str(data / "videos")
    cfg["losses"] = {"supervised_pairwise_projections": {"log_weight": 6.0},      # both 3-D losses, whatever the config
                     "supervised_reprojection_heatmap_mse": {"log_weight": 3.0}}
    path = tmp / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = tmp / "model"
    res = run_cli("lpnb-train", path, "--output-dir", out, "--accelerator", "cpu")
    return out, res.stdout


def test_training_logs_the_3d_losses_and_reports_3d_errors(calibrated_run):
    out, stdout = calibrated_run
    assert "calibrated 3-D: " in stdout and "3d/test" in stdout and "reprojection/test" in stdout
    metrics = pd.read_csv(next(out.rglob("metrics.csv")))
    for name in ("supervised_pairwise_projections", "supervised_reprojection_heatmap_mse"):
        values = metrics[f"train_{name}_loss_weighted"].dropna()
        assert len(values) and np.isfinite(values).all() and (values > 0).all(), name
    summary = json.loads((out / "summary.json").read_text())
    assert {"3d/test", "reprojection/test"} <= set(summary["errors_3d"]) and "3d/test" not in summary["pixel_error"]


def test_3d_predictions_of_labeled_frames(calibrated_run):
    out, _ = calibrated_run
    index, pts, names = read_points_3d_csv(out / "predictions_3d.csv")
    assert pts.shape == (160, 8, 3) and names[0] == "nose" and index[0].startswith("labeled-data/sessA_left/")
    assert np.isfinite(pts).all()                       # predictions exist in every view
    err = pd.read_csv(out / "predictions_3d_error.csv", index_col=0)
    gt = read_ground_truth_3d(bundled_calibrated_dir())
    frames = [(p.split("/")[1].rsplit("_", 1)[0], int(p.split("img")[1][:5])) for p in index]
    truth = np.stack([gt[s][f] for s, f in frames])
    expected = np.linalg.norm(pts - truth, axis=-1)     # the labels triangulate exactly onto the ground truth
    got = err.drop(columns="set").to_numpy()
    assert np.isfinite(got).mean() > 0.95              # NaN only where fewer than two views label the keypoint
    np.testing.assert_allclose(got[np.isfinite(got)], expected[np.isfinite(got)], atol=1e-2)
    for view in CALIBRATED_VIEWS:
        rep = pd.read_csv(out / f"predictions_{view}_reprojection_error.csv", index_col=0)
        assert rep.shape == (160, 9) and (rep.drop(columns="set") >= 0).all().all()


def test_3d_predictions_of_each_video_session(calibrated_run):
    out, _ = calibrated_run
    for session in ("sessA", "sessB"):
        index, pts, _ = read_points_3d_csv(out / "video_preds" / f"{session}_3d.csv")
        assert pts.shape == (120, 8, 3) and np.isfinite(pts).all()
        for view in CALIBRATED_VIEWS:
            assert read_keypoint_csv(out / "video_preds" / f"{session}_{view}.csv").keypoints.shape == (120, 8, 2)
            rep = pd.read_csv(out / "video_preds" / f"{session}_{view}_reprojection_error.csv", index_col=0)
            assert rep.shape == (120, 8)


def test_lpnb_predict_writes_3d_for_calibrated_sessions(calibrated_run, tmp_path):
    out, _ = calibrated_run
    data = bundled_calibrated_dir()
    run_cli("lpnb-predict", out, data / "videos", *(data / f"CollectedData_{v}.csv" for v in CALIBRATED_VIEWS),
                  "--output-dir", tmp_path)
    _, again, _ = read_points_3d_csv(tmp_path / "video_preds" / "sessB_3d.csv")
    _, first, _ = read_points_3d_csv(out / "video_preds" / "sessB_3d.csv")
    np.testing.assert_allclose(again, first, atol=1e-2)        # the same model, the same 3-D
    index, labeled, _ = read_points_3d_csv(tmp_path / "predictions_CollectedData_left_3d.csv")
    np.testing.assert_allclose(labeled, read_points_3d_csv(out / "predictions_3d.csv")[1], atol=1e-2)
