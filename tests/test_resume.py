"A training run killed with SIGKILL after its first checkpoint resumes with --resume and ends as an uninterrupted run."
import json, os, signal, subprocess, time
from pathlib import Path

import pandas as pd
import yaml

from lightning_pose_nb.data.csv import read_keypoint_csv
from conftest import cli, run_cli

EPOCHS = 4


def test_killed_run_resumes_to_the_end(tiny_config, tmp_path):
    cfg = yaml.safe_load(Path(tiny_config).read_text())
    # 24 training frames: 6 steps an epoch, long enough to be killed between its first checkpoint and its end
    cfg["training"].update(max_epochs=EPOCHS, min_epochs=EPOCHS, check_val_every_n_epoch=2, train_frames=24)
    cfg["eval"]["save_vids_after_training"] = False   # the labeled video is not what this test is about
    path = tmp_path / "cfg.yaml"; path.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "model"
    proc = subprocess.Popen([cli("lpnb-train"), str(path), "--output-dir", str(out), "--accelerator", "cpu"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (out / "last.ckpt").exists() and proc.poll() is None and time.time() < deadline: time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL); proc.wait()
    assert (out / "last.ckpt").exists(), "the run ended before its first checkpoint"
    import torch
    killed_at = torch.load(out / "last.ckpt", map_location="cpu", weights_only=False)["epoch"]
    assert killed_at < EPOCHS - 1 and not (out / "summary.json").exists(), "the run finished before it was killed"

    # without --resume the folder is refused: it holds the interrupted model
    res = run_cli("lpnb-train", path, "--output-dir", out, check=False)
    assert res.returncode == 2 and "--resume" in res.stderr
    res = run_cli("lpnb-train", path, "--output-dir", out, "--accelerator", "cpu", "--resume")
    assert "mean pixel error" in res.stdout
    assert torch.load(out / "last.ckpt", map_location="cpu", weights_only=False)["epoch"] == EPOCHS - 1

    summary = json.loads((out / "summary.json").read_text())
    assert summary["epochs"] == EPOCHS
    # the validation history survives the kill: one entry per validation, none repeated or lost
    assert [h["epoch"] for h in summary["val_loss_history"]] == [1, 3]
    logs = pd.read_csv(out / "logs" / "metrics.csv")
    assert logs["epoch"].max() == EPOCHS - 1
    # every optimizer step of every epoch ran exactly once: the step count of an uninterrupted run
    assert summary["global_step"] == EPOCHS * 6   # 24 training frames in batches of 4
    preds = read_keypoint_csv(out / "predictions.csv")
    assert preds.keypoints.shape == (90, 17, 2)
    assert (out / summary["best_checkpoint"]).exists() and (out / "video_preds" / "clip.csv").exists()
