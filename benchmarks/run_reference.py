#!/usr/bin/env python
"""Benchmark the REFERENCE package (Lightning Pose 2.4.3) on one of our configs.

Run with the reference virtualenv's python (see benchmarks/reference_setup.sh), e.g.

    /work/refvenv/bin/python benchmarks/run_reference.py \
        --config configs/mirror-mouse-default.yaml --output-dir /tmp/ref_run --threads 2

This script only *calls* the reference's public/package API (``lightning_pose.train``);
no reference code is copied here. It

1. loads the YAML (reference config schema), resolves relative ``data.data_dir`` /
   ``data.video_dir`` against the config file's folder;
2. trains with ``lightning_pose.train.train(cfg, model_dir, skip_evaluation=True)``;
3. runs the reference's own post-training steps, timed separately:
   ``_evaluate_on_training_dataset(model)`` (predicts the labeled CSV and writes
   ``predictions.csv`` with a ``set`` column + ``predictions_pixel_error.csv``) and
   ``_predict_test_videos(model)`` (predicts every video in ``eval.test_videos_directory``);
4. computes per-split pixel errors itself from predictions.csv and the labels CSV, and
   prints a single final line ``RESULT_JSON {...}``.

Shims (none of them touch model math):
- ``lightning_pose.train.get_callbacks`` is wrapped to append one extra lightning
  Callback that only records wall-clock time per training epoch (``per_epoch_s``).
- Nothing else is needed for 2.4.3 on CPU: ``utils.device.get_accelerator()`` already
  returns "cpu" when CUDA is absent, DALI is imported lazily (only for semi-supervised
  training / the dali video reader), and video prediction auto-selects the OpenCV reader
  when CUDA is unavailable. For safety we assert the config is supervised-only (DALI
  would be required otherwise) and that the backbone is not pretrained (no downloads).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path


def _parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="YAML in the reference config schema")
    p.add_argument("--output-dir", required=True, help="model dir for the reference run")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--max-epochs", type=int, default=None, help="override min/max epochs")
    p.add_argument(
        "--num-workers", type=int, default=None,
        help="override training.num_workers (reference default: os.cpu_count())",
    )
    return p.parse_args()


def _resolve(path_str: str, base: Path) -> str:
    p = Path(path_str)
    return str(p if p.is_absolute() else (base / p).resolve())


def _read_dlc_csv(path: Path):
    """Read a DLC/LP 3-header-row CSV. Returns (DataFrame, xy array (N, K, 2))."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(path, header=[0, 1, 2], index_col=0)
    coords = df.columns.get_level_values(2)
    xs = df.loc[:, coords == "x"].to_numpy(dtype=float)
    ys = df.loc[:, coords == "y"].to_numpy(dtype=float)
    return df, np.stack([xs, ys], axis=-1)


def _split_errors(labels_csv: Path, preds_csv: Path) -> dict:
    """Mean Euclidean pixel error (frame pixels) per split; NaN labels excluded."""
    import numpy as np

    labels_df, lab = _read_dlc_csv(labels_csv)
    preds_df, pred = _read_dlc_csv(preds_csv)
    set_cols = [c for c in preds_df.columns if c[0] == "set"]
    assert set_cols, "reference predictions.csv has no 'set' column"
    sets = preds_df[set_cols[0]].astype(str).to_numpy()
    # rows must line up (the reference predicts the CSV in its own row order)
    assert len(labels_df) == len(preds_df)
    assert [str(i) for i in labels_df.index] == [str(i) for i in preds_df.index], (
        "row order of predictions.csv differs from labels CSV"
    )
    err = np.linalg.norm(pred - lab, axis=-1)  # (N, K), NaN where label missing
    out = {}
    for name, key in (("train", "train"), ("val", "validation"), ("test", "test")):
        rows = np.where(sets == key)[0]
        e = err[rows]
        out[f"{name}_pixel_error_mean"] = (
            float(np.nanmean(e)) if np.isfinite(e).any() else float("nan")
        )
        out[f"{name}_indices"] = [int(r) for r in rows]
    # also the mean of the reference's own metric file, as a cross-check
    pe_file = preds_csv.with_name("predictions_pixel_error.csv")
    if pe_file.exists():
        import pandas as pd

        pe = pd.read_csv(pe_file, index_col=0)
        if "set" in pe.columns:
            for name, key in (("train", "train"), ("val", "validation"), ("test", "test")):
                v = pe.loc[pe["set"] == key].drop(columns=["set"]).to_numpy(dtype=float)
                out[f"ref_file_{name}_pixel_error_mean"] = (
                    float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
                )
    return out


def main() -> None:
    args = _parse_args()
    # thread caps must be set before torch / numpy spin up their pools
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("MKL_NUM_THREADS", str(args.threads))

    t_start = time.perf_counter()

    # show the reference's own INFO logs (dataset split sizes, chosen video reader, ...)
    import logging

    _h = logging.StreamHandler()
    _h.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    _lp_log = logging.getLogger("lightning_pose")
    _lp_log.addHandler(_h)
    _lp_log.setLevel(logging.INFO)
    _lp_log.propagate = False

    import lightning.pytorch as pl
    import numpy as np
    import torch
    from omegaconf import OmegaConf, open_dict

    torch.set_num_threads(args.threads)

    import lightning_pose
    import lightning_pose.train as lp_train

    config_path = Path(args.config).resolve()
    cfg = OmegaConf.load(config_path)
    with open_dict(cfg):
        base = config_path.parent
        cfg.data.data_dir = _resolve(cfg.data.data_dir, base)
        video_dir = cfg.data.get("video_dir")
        if video_dir:
            # the reference joins a relative video_dir onto data_dir; give it absolute
            cfg.data.video_dir = _resolve(video_dir, base)
        if args.max_epochs is not None:
            cfg.training.max_epochs = args.max_epochs
            cfg.training.min_epochs = args.max_epochs
            # the reference's ModelConfig.validate() asserts every multisteplr milestone
            # <= max_epochs; milestones past the end never fire anyway, so drop them
            # (keep one at max_epochs if none is left, which also never fires)
            ms = cfg.training.get("lr_scheduler_params", {}).get("multisteplr", {})
            if ms and "milestones" in ms:
                kept = [m for m in ms.milestones if m <= args.max_epochs]
                ms.milestones = kept or [args.max_epochs]
        if args.num_workers is not None:
            cfg.training.num_workers = args.num_workers
    losses_to_use = list(cfg.model.get("losses_to_use") or [])
    if any(x for x in losses_to_use):
        sys.exit("semi-supervised losses need DALI + CUDA in the reference; not supported here")
    if cfg.model.get("backbone_pretrained", True):
        sys.exit("backbone_pretrained must be false (no network on this machine)")

    out_dir = Path(args.output_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    # ---- shim: per-epoch wall-clock timer appended to the reference's callback list ----
    epoch_times: list[float] = []

    class _EpochTimer(pl.Callback):
        def on_train_epoch_start(self, trainer, pl_module):  # noqa: D401
            self._t0 = time.perf_counter()

        def on_train_epoch_end(self, trainer, pl_module):
            epoch_times.append(time.perf_counter() - self._t0)

    _orig_get_callbacks = lp_train.get_callbacks

    def _get_callbacks_with_timer(*a, **kw):
        cbs = list(_orig_get_callbacks(*a, **kw))
        cbs.append(_EpochTimer())
        return cbs

    lp_train.get_callbacks = _get_callbacks_with_timer

    # ---- train (reference's own train(); evaluation run separately below for timing) ----
    t0 = time.perf_counter()
    model = lp_train.train(cfg, model_dir=out_dir, skip_evaluation=True)
    train_s = time.perf_counter() - t0

    # ---- predict on labeled CSV (reference's post-training step) ----
    t0 = time.perf_counter()
    lp_train._evaluate_on_training_dataset(model)
    lp_train._evaluate_on_training_dataset(model, suffix="_new")
    lp_train._evaluate_on_training_dataset(model, suffix="_test")
    predict_labeled_s = time.perf_counter() - t0

    # ---- predict on videos (reference's post-training step) ----
    t0 = time.perf_counter()
    lp_train._predict_test_videos(model)
    predict_video_s = time.perf_counter() - t0
    total_s = time.perf_counter() - t_start

    # ---- metrics ----
    labels_csv = Path(cfg.data.csv_file)
    if not labels_csv.is_absolute():
        labels_csv = Path(cfg.data.data_dir) / labels_csv
    preds_csv = out_dir / "predictions.csv"
    errs = _split_errors(labels_csv, preds_csv)

    # video predictions: frame count + are they in frame coords or resized model coords?
    import cv2

    video_frames = 0
    videos = []
    for vcsv in sorted(model.video_preds_dir().glob("*.csv")):
        if any(vcsv.name.endswith(s) for s in ("_temporal_norm.csv", "_pca_singleview_error.csv",
                                               "_pca_multiview_error.csv")):
            continue
        _, xy = _read_dlc_csv(vcsv)
        video_frames += xy.shape[0]
        vid = Path(cfg.eval.test_videos_directory) / (vcsv.stem + ".mp4")
        cap = cv2.VideoCapture(str(vid))
        vw, vh = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        cap.release()
        mw, mh = cfg.data.image_resize_dims.width, cfg.data.image_resize_dims.height
        max_x, max_y = float(np.nanmax(xy[..., 0])), float(np.nanmax(xy[..., 1]))
        videos.append({
            "file": vcsv.name, "frames": int(xy.shape[0]),
            "video_wh": [vw, vh], "model_wh": [mw, mh],
            "pred_max_xy": [round(max_x, 2), round(max_y, 2)],
            # model coords iff every prediction lies inside the resized frame while the
            # video is larger than that
            "in_model_coords": bool(max_x <= mw + 1 and max_y <= mh + 1
                                    and (vw > mw + 1 or vh > mh + 1)),
        })

    # per-epoch time from the timer shim; the reference itself logs no phase timings
    result = {
        "reference_version": lightning_pose.version,
        "torch_version": torch.__version__,
        "threads": args.threads,
        "max_epochs": int(cfg.training.max_epochs),
        "train_s": round(train_s, 3),
        "predict_labeled_s": round(predict_labeled_s, 3),
        "predict_video_s": round(predict_video_s, 3),
        "video_frames": int(video_frames),
        "total_s": round(total_s, 3),
        "test_pixel_error_mean": errs["test_pixel_error_mean"],
        "val_pixel_error_mean": errs["val_pixel_error_mean"],
        "train_pixel_error_mean": errs["train_pixel_error_mean"],
        "test_indices": errs["test_indices"],
        "val_indices": errs["val_indices"],
        "per_epoch_s": [round(t, 3) for t in epoch_times],
        "per_epoch_s_mean": (round(float(np.mean(epoch_times)), 3) if epoch_times else None),
        "ref_file_pixel_error_mean": {
            k[len("ref_file_"):]: v for k, v in errs.items() if k.startswith("ref_file_")
        },
        "videos": videos,
        "video_preds_in_model_coords": any(v["in_model_coords"] for v in videos),
        "output_dir": str(out_dir),
    }

    def _clean(o):
        if isinstance(o, float) and not math.isfinite(o):
            return None
        if isinstance(o, dict):
            return {k: _clean(v) for k, v in o.items()}
        if isinstance(o, list):
            return [_clean(v) for v in o]
        return o

    print("RESULT_JSON " + json.dumps(_clean(result)), flush=True)


if __name__ == "__main__":
    main()
