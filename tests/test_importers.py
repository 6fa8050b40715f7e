"Bringing a lab's project: DeepLabCut and SLEAP imports, config overrides and new-label scoring, from the command line."
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import run_cli
from lightning_pose_nb.core import bundled_data_dir
from lightning_pose_nb.data.csv import read_keypoint_csv, write_keypoint_csv
from lightning_pose_nb.testing import make_dlc_project, make_sleap_project

# one tiny epoch at 64 px, from random weights (no downloads), as overrides of the imported config
TINY = ["training.max_epochs=1", "training.min_epochs=1", "training.check_val_every_n_epoch=1", "training.unfreezing_epoch=0",
        "training.train_batch_size=4", "training.train_prob=0.8", "training.val_prob=0.1", "model.backbone=resnet18",
        "model.backbone_pretrained=false", "data.image_resize_dims.height=64", "data.image_resize_dims.width=64"]


def test_dlc_project_imports_trains_and_scores_new_labels(tmp_path):
    proj = make_dlc_project(tmp_path / "dlc", frames=(12, 8), formats=("csv", "h5"))
    out = tmp_path / "imported"
    res = run_cli("lpnb-import", "dlc", proj, out)
    assert "imported 20 labeled frames from 2 session(s): mouseA (12), mouseB (8)" in res.stdout
    assert "mouseZ: no CollectedData" in res.stdout and "next: check the CHOOSE comments" in res.stdout
    table = read_keypoint_csv(out / "CollectedData.csv")
    np.testing.assert_allclose(table.keypoints, read_keypoint_csv(bundled_data_dir() / "CollectedData.csv").keypoints[:20])
    # frames labeled later, in the reference's CollectedData_new.csv beside the labels
    orig = read_keypoint_csv(bundled_data_dir() / "CollectedData.csv")
    new_index = []
    for i in range(20, 26):
        dest = out / "labeled-data" / "later" / f"img{i:04d}.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bundled_data_dir() / orig.index[i], dest)
        new_index.append(f"labeled-data/later/img{i:04d}.png")
    write_keypoint_csv(out / "CollectedData_new.csv", new_index, orig.keypoints[20:26], orig.names)

    model = tmp_path / "model"
    run_cli("lpnb-train", out / "config.yaml", "--output-dir", model, "--accelerator", "cpu", "--overrides", *TINY)
    cfg = yaml.safe_load((model / "config.yaml").read_text())
    assert (cfg["training"]["max_epochs"], cfg["model"]["backbone"], cfg["data"]["image_resize_dims"]) == \
        (1, "resnet18", {"height": 64, "width": 64})                       # the overrides took effect
    summary = json.loads((model / "summary.json").read_text())
    assert np.isfinite(summary["pixel_error"]["new"]) and summary["new_labels"] == [str(out / "CollectedData_new.csv")]
    new_preds = read_keypoint_csv(model / "predictions_new.csv")
    assert new_preds.index == new_index and new_preds.keypoints.shape == (6, 17, 2)
    err = pd.read_csv(model / "predictions_new_pixel_error.csv", index_col=0)
    assert np.isclose(np.nanmean(err.to_numpy(float)), summary["pixel_error"]["new"], rtol=1e-5)
    assert read_keypoint_csv(model / "video_preds" / "mouseA.csv").keypoints.shape == (12, 17, 2)   # the imported video

    # a _new file naming a frame that does not exist fails before any training, naming it
    write_keypoint_csv(out / "CollectedData_new.csv", new_index + ["labeled-data/later/gone.png"],
                       orig.keypoints[20:27], orig.names)
    bad = run_cli("lpnb-train", out / "config.yaml", "--output-dir", tmp_path / "model2", "--overrides", *TINY, check=False)
    assert bad.returncode == 2 and "gone.png" in bad.stderr, bad.stderr
    assert not list((tmp_path / "model2").glob("*.ckpt"))


def test_sleap_project_imports_trains_and_predicts(tmp_path):
    slp = make_sleap_project(tmp_path / "sleap", frames=10, hidden=((0, 1), (3, 5)))
    out = tmp_path / "imported"
    res = run_cli("lpnb-import", "sleap", slp, out)
    assert "imported 10 labeled frames from 1 session(s): session1 (10)" in res.stdout
    table = read_keypoint_csv(out / "CollectedData.csv")
    assert table.visible is not None and table.visible[0, 1] == 0 and table.visible[3, 5] == 0
    assert np.isnan(table.keypoints[[0, 3], [1, 5]]).all()      # invisible in SLEAP: not labeled here
    model = tmp_path / "model"
    run_cli("lpnb-train", out / "config.yaml", "--output-dir", model, "--accelerator", "cpu", "--overrides", *TINY,
            "eval.predict_vids_after_training=false")
    preds = tmp_path / "preds"
    run_cli("lpnb-predict", model, out / "videos" / "session1.mp4", "--output-dir", preds)
    assert read_keypoint_csv(preds / "video_preds" / "session1.csv").keypoints.shape == (12, 17, 2)   # every frame


@pytest.mark.parametrize("args, message", [
    (["sleap-two"], "hold several user instances (up to 2 per frame): projects with several animals per frame are not supported yet"),
    (["dlc-ma"], "multi-animal DeepLabCut project (2 individuals: mouse1, mouse2): not supported yet"),
    (["dlc", "missing"], "DeepLabCut project folder not found"),
    (["fbx", "x"], "`KIND` = 'fbx' is not valid; valid choices: dlc, sleap"),
])
def test_import_refusals_are_one_line(args, message, tmp_path):
    if args[0] == "sleap-two": args = ["sleap", make_sleap_project(tmp_path / "s", frames=3, second_animal=True)]
    elif args[0] == "dlc-ma": args = ["dlc", make_dlc_project(tmp_path / "d", frames=(2,), multi_animal=True)]
    elif args[0] == "dlc": args = ["dlc", tmp_path / "missing"]
    res = run_cli("lpnb-import", *args, tmp_path / "out", check=False)
    assert res.returncode == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not (tmp_path / "out" / "CollectedData.csv").exists()


@pytest.mark.parametrize("override, message", [
    ("training.max_epoch=3", "unknown field; did you mean training.max_epochs?"),
    ("training.max_epochs", "write each override as FIELD=VALUE"),
    ("model.backbone=resnet9", "model.backbone"),
])
def test_bad_override_fails_fast_naming_it(override, message, tiny_config, tmp_path):
    res = run_cli("lpnb-train", tiny_config, "--output-dir", tmp_path / "m", "--overrides", override, check=False)
    assert res.returncode == 2 and message in res.stderr, res.stderr
    assert not (tmp_path / "m").exists()
