#!/usr/bin/env python
"""3-D losses on the calibrated example: the 3-D error of 2-D-only training against training with the 3-D losses.

    .venv/bin/python benchmarks/bench_3d.py [--models heatmap transformer] [--seeds 0 1 2] [--epochs 30] [--out /tmp/lpnb-3d]

Trains `configs/calibrated-3cam.yaml` on the generated calibrated three-camera example (`bundled_calibrated_dir`),
the same data, split and model seeds, once with both 3-D losses off (`log_weight: null`) and once with the config's
3-D losses on, for each model: `heatmap` (one resnet18 sees each view, views folded into the batch; Adam 2e-3) and
`transformer` (the multiview transformer, ViT-S/16 from random weights, as in the config). Prints, per model and
variant, the mean over seeds (and worst seed) of the 3-D error (mm, against the labels triangulated from all views,
which are the ground truth here), the reprojection error (px) and the 2-D pixel error, on test and validation frames.
Results are cached in OUT/results.jsonl; rerunning skips what is there.
"""
import argparse, json
from pathlib import Path
import numpy as np
import yaml

from lightning_pose_nb.core import repo_root
from lightning_pose_nb.data.calibrated_example import bundled_calibrated_dir

MODELS = {
    "heatmap": {"model": {"model_type": "heatmap", "backbone": "resnet18"},
                "training": {"optimizer": "Adam", "optimizer_params": {"learning_rate": 2e-3}}},
    "transformer": {},
}
VARIANTS = {"2d": {"supervised_pairwise_projections": {"log_weight": None},
                   "supervised_reprojection_heatmap_mse": {"log_weight": None}},
            "3d": {}}


def merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items(): out[k] = merge(out.get(k, {}), v) if isinstance(v, dict) and v else v
    return out


def config(model: str, variant: str, seed: int, epochs: int, size: int) -> dict:
    cfg = yaml.safe_load((repo_root() / "configs" / "calibrated-3cam.yaml").read_text())
    data = bundled_calibrated_dir()
    cfg["data"].update(data_dir=str(data), video_dir=str(data / "videos"), image_resize_dims={"height": size, "width": size})
    cfg = merge(cfg, MODELS[model])
    cfg["losses"] = merge(cfg["losses"], VARIANTS[variant])
    cfg["training"].update(rng_seed_model_pt=seed, max_epochs=epochs, min_epochs=epochs,
                           lr_scheduler_params={"multisteplr": {"milestones": [int(epochs * 0.75), int(epochs * 0.875)], "gamma": 0.5}})
    cfg["eval"]["predict_vids_after_training"] = False
    return cfg


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", default=["heatmap"], choices=list(MODELS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--out", default="/tmp/lpnb-3d")
    a = p.parse_args()
    import torch
    torch.set_num_threads(2)
    from lightning_pose_nb.train import train
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    cache = out / "results.jsonl"
    done = [json.loads(l) for l in cache.read_text().splitlines()] if cache.exists() else []
    for model in a.models:
        for seed in a.seeds:
            for variant in VARIANTS:
                key = dict(model=model, variant=variant, seed=seed, epochs=a.epochs, size=a.size)
                if any(all(r.get(k) == v for k, v in key.items()) for r in done): continue
                run_dir = out / f"{model}-{variant}-s{seed}-e{a.epochs}-{a.size}"
                res = train(config(model, variant, seed, a.epochs, a.size), run_dir, progress=False, overwrite=True)
                r = {**key, **{f"px/{k}": v for k, v in res.pixel_error.items()}, **res.errors_3d,
                     "fit_s": res.timings.get("fit"), "run_dir": str(run_dir)}
                for ck in run_dir.rglob("*.ckpt"): ck.unlink()
                print(json.dumps(r), flush=True)
                with cache.open("a") as f: f.write(json.dumps(r) + "\n")
                done.append(r)
    def median_3d(r, split="test"):  # the mean is ruled by a few wild triangulations (views that disagree)
        import pandas as pd
        run_dir = Path(r.get("run_dir") or out / f"{r['model']}-{r['variant']}-s{r['seed']}-e{r['epochs']}-{r['size']}")
        e = pd.read_csv(run_dir / "predictions_3d_error.csv", index_col=0)
        return float(np.nanmedian(e[e["set"] == split].drop(columns="set").to_numpy()))

    rows = ["| model | training | seeds | 3-D error test: mean (mm) | worst seed | median | 3-D error val: mean | median | "
            "reprojection test (px) | 2-D error test (px) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for model in a.models:
        for variant in VARIANTS:
            rs = [r for r in done if r["model"] == model and r["variant"] == variant and r["seed"] in a.seeds
                  and r["epochs"] == a.epochs and r["size"] == a.size]
            if not rs: continue
            t = np.array([r["3d/test"] for r in rs])
            rows.append(f"| {model} | {'2-D only' if variant == '2d' else '2-D + 3-D losses'} | {len(rs)} | {t.mean():.2f} | {t.max():.2f} | "
                        f"{np.mean([median_3d(r) for r in rs]):.2f} | {np.mean([r['3d/validation'] for r in rs]):.2f} | "
                        f"{np.mean([median_3d(r, 'validation') for r in rs]):.2f} | {np.mean([r['reprojection/test'] for r in rs]):.2f} | "
                        f"{np.mean([r['px/test'] for r in rs]):.2f} |")
    print(f"\n{a.epochs} epochs at {a.size} px; mean over seeds {a.seeds}\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
