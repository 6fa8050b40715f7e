"Multiview end to end: both multiview model types train and predict on the two-view example, one file per view."
import json
import numpy as np
import pandas as pd
import pytest
import yaml

from lightning_pose_nb.core import repo_root
from lightning_pose_nb.data.csv import read_keypoint_csv
from lightning_pose_nb.data.two_view_example import bundled_multiview_dir
from lightning_pose_nb.train import train
from lightning_pose_nb.testing import write_clip, fill_weight_cache
from lightning_pose_nb.models.weights import empty_caches
from conftest import run_cli

VIEWS = {"top": 168, "bot": 238}  # view -> frame height (the frames are 396 wide)


@pytest.fixture(scope="module")
def mv_clips(tmp_path_factory):
    "The first 12 frames of each view's video, named per view."
    folder = tmp_path_factory.mktemp("mv_videos")
    for view in VIEWS:
        write_clip(bundled_multiview_dir() / "videos" / f"test_vid_{view}.mp4", folder / f"clip_{view}.mp4")
    return folder


def tiny_multiview_config(tmp_path, mv_clips, **model) -> dict:
    cfg = yaml.safe_load((repo_root() / "configs" / "mirror-mouse-multiview.yaml").read_text())
    cfg["data"].update(data_dir=str(bundled_multiview_dir()), video_dir=str(mv_clips),
                       image_resize_dims={"height": 64, "width": 64})
    cfg["training"].update(max_epochs=1, min_epochs=1, check_val_every_n_epoch=1, unfreezing_epoch=0,
                           train_batch_size=4, log_every_n_steps=1)
    cfg["eval"]["test_videos_directory"] = str(mv_clips)
    cfg["model"].update(model)
    return cfg


def check_per_view_outputs(model_dir, n_frames=12):
    for view, h in VIEWS.items():
        preds = read_keypoint_csv(model_dir / f"predictions_{view}.csv")
        assert preds.keypoints.shape == (90, 7, 2)
        assert preds.index[0] == f"labeled-data/{view}/img01.png"
        assert sorted(set(preds.extra["set"])) == ["test", "train", "validation"]
        # frame pixels of this view: x within 396, y within the view's own height
        assert np.nanmax(preds.keypoints[..., 0]) <= 396 and np.nanmax(preds.keypoints[..., 1]) <= h
        err = pd.read_csv(model_dir / f"predictions_{view}_pixel_error.csv", index_col=0)
        labels = read_keypoint_csv(bundled_multiview_dir() / f"CollectedData_{view}.csv")
        expected = np.sqrt(((preds.keypoints - labels.keypoints) ** 2).sum(-1))
        np.testing.assert_allclose(err.drop(columns="set").to_numpy(), expected, rtol=1e-5)
        vp = model_dir / "video_preds"
        video = read_keypoint_csv(vp / f"clip_{view}.csv")
        assert video.keypoints.shape == (n_frames, 7, 2)
        assert pd.read_csv(vp / f"clip_{view}_temporal_norm.csv", index_col=0).shape == (n_frames, 7)
        mv = pd.read_csv(vp / f"clip_{view}_pca_multiview_error.csv", index_col=0)
        assert mv.notna().all().all() and (mv >= 0).all().all()   # every keypoint is seen in both views
    summary = json.loads((model_dir / "summary.json").read_text())
    assert {"top/test", "bot/test", "test"} <= set(summary["pixel_error"])


def test_multiview_heatmap_from_the_command_line(mv_clips, tmp_path):
    path = tmp_path / "mv.yaml"
    path.write_text(yaml.safe_dump(tiny_multiview_config(tmp_path, mv_clips)))
    out = tmp_path / "heatmap"
    res = run_cli("lpnb-train", path, "--output-dir", out, "--accelerator", "cpu")
    assert "top/test" in res.stdout
    check_per_view_outputs(out)
    # lpnb-predict: per-view CSVs in view order, and the video folder; the same numbers as after training
    pred_dir = tmp_path / "again"
    run_cli("lpnb-predict", out, mv_clips, bundled_multiview_dir() / "CollectedData_top.csv",
            bundled_multiview_dir() / "CollectedData_bot.csv", "--output-dir", pred_dir)
    for view in VIEWS:
        again = read_keypoint_csv(pred_dir / f"predictions_CollectedData_top_{view}.csv")
        np.testing.assert_allclose(again.keypoints, read_keypoint_csv(out / f"predictions_{view}.csv").keypoints, atol=1e-3)
        vid = read_keypoint_csv(pred_dir / "video_preds" / f"clip_{view}.csv")
        np.testing.assert_allclose(vid.keypoints, read_keypoint_csv(out / "video_preds" / f"clip_{view}.csv").keypoints, atol=1e-3)


def test_multiview_transformer_train_and_predict(mv_clips, tmp_path):
    cfg = tiny_multiview_config(tmp_path, mv_clips, model_type="heatmap_multiview_transformer", backbone="vits_dino")
    cfg["training"]["patch_mask"] = {"init_epoch": 0, "final_epoch": 1, "init_ratio": 0.1, "final_ratio": 0.5}
    res = train(cfg, tmp_path / "transformer", accelerator="cpu", progress=False, limit_train_batches=2)
    check_per_view_outputs(res.model_dir)
    logs = pd.read_csv(res.model_dir / "logs" / "metrics.csv")
    assert logs["patch_mask_ratio"].dropna().max() > 0   # masking ran on the training batches


def test_semi_supervised_multiview_transformer(mv_clips, tmp_path):
    cfg = tiny_multiview_config(tmp_path, mv_clips, model_type="heatmap_multiview_transformer", backbone="vits_dino",
                                losses_to_use=["temporal", "pca_multiview"])
    cfg["dali"]["base"]["train"]["sequence_length"] = 4
    cfg["training"]["patch_mask"] = {"init_epoch": 0, "final_epoch": 1, "init_ratio": 0.2, "final_ratio": 0.2}
    res = train(cfg, tmp_path / "semi", accelerator="cpu", progress=False, limit_train_batches=2)
    logs = pd.read_csv(res.model_dir / "logs" / "metrics.csv")
    for col in ("train_temporal_loss", "train_pca_multiview_loss", "total_loss"):
        assert logs[col].notna().any() and np.isfinite(logs[col].dropna()).all(), col
    check_per_view_outputs(res.model_dir)


def test_multiview_context_model_semi_supervised(mv_clips, tmp_path):
    "The 5-frame context model on two views: labeled (B,V,5,3,H,W) windows, unlabeled (N,V,3,H,W) sequences, video chunks."
    cfg = tiny_multiview_config(tmp_path, mv_clips, model_type="heatmap_mhcrnn", losses_to_use=["temporal", "pca_multiview"])
    cfg["dali"]["context"]["train"]["batch_size"] = 6
    res = train(cfg, tmp_path / "mhcrnn", accelerator="cpu", progress=False, limit_train_batches=2)
    logs = pd.read_csv(res.model_dir / "logs" / "metrics.csv")
    assert logs["train_pca_multiview_loss"].notna().any()
    check_per_view_outputs(res.model_dir)


REF_MULTIVIEW = repo_root().parent / "shared" / "spec" / "reference-configs" / "config_default_multiview.yaml"


@pytest.mark.skipif(not REF_MULTIVIEW.exists(), reason="../shared/spec/reference-configs not present")
def test_reference_multiview_template_trains(tmp_path):
    "Lightning Pose's multiview template, with only its placeholders filled in, trains the transformer."
    d = bundled_multiview_dir()
    over = {"data": {"data_dir": str(d), "video_dir": str(d / "videos"), "view_names": ["top", "bot"],
                     "csv_file": ["CollectedData_top.csv", "CollectedData_bot.csv"],
                     "image_resize_dims": {"height": 64, "width": 64}},
            "training": {"max_epochs": 1, "min_epochs": 1, "check_val_every_n_epoch": 1},
            "eval": {"predict_vids_after_training": False}}
    with empty_caches(tmp_path / "caches"):   # the template keeps the reference's default: pretrained DINO weights
        fill_weight_cache("vits_dino")
        with pytest.warns(UserWarning, match="data.bbox_file"):
            res = train(REF_MULTIVIEW, tmp_path / "ref", over, accelerator="cpu", progress=False, limit_train_batches=1)
    assert (res.model_dir / "predictions_top.csv").exists() and (res.model_dir / "predictions_bot.csv").exists()
    assert yaml.safe_load((res.model_dir / "config.yaml").read_text())["model"]["model_type"] == "heatmap_multiview_transformer"
