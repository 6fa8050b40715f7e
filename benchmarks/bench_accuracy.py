#!/usr/bin/env python
"""Accuracy over model seeds: ours against the reference on the same data, config, split and seeds.

    .venv/bin/python benchmarks/bench_accuracy.py [--beds mirror-mouse colour640 bot640] [--seeds 0 1 2 3 4]
        [--impl ours reference] [--variant NAME --set training.key=value ...] [--out /tmp/lpnb-accuracy]

For each bed and model seed it writes a config, the bundled default job on that bed's data (heatmap, resnet18 from
random weights, 128x128, rotation and crop-and-pad, batch 8, Adam 2e-3, 30 epochs, data seed 0: the same split for every seed and
both packages), with only `training.rng_seed_model_pt` changed; then runs `run_ours.py` and, with the reference's
virtualenv (`reference_setup.sh`, default /work/refvenv), `run_reference.py`, one at a time. Each result is cached in
OUT/results.jsonl (rerunning skips what is there), checkpoints are deleted after each run, and the table printed per
bed and split (train, val, test, and heldout: the validation and test frames together, less noisy than either):
mean over seeds, worst seed, standard deviation (mean pixel error, frame pixels), and how many runs left a keypoint
unlearned on their own training frames (`train.keypoints_not_fit` on `read_train_keypoint_errors`: over 5x the
median keypoint's error; no absolute floor here). `--variant` names a
change of ours (`--set` values are merged into our config only, or into both configs with `--both`), so variants
are compared on the same seeds; `--report` prints every cached result.
"""
import argparse, json, os, subprocess, sys
from pathlib import Path
import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from testbeds import make_testbeds  # noqa: E402

from lightning_pose_nb.core import bundled_data_dir, default_config_path  # noqa: E402
from lightning_pose_nb.data.csv import read_keypoint_csv  # noqa: E402
from lightning_pose_nb.train import keypoints_not_fit, read_train_keypoint_errors  # noqa: E402

SPLITS = ("train", "val", "test", "heldout")  # heldout: validation and test frames together


def bed_dirs(out: Path) -> dict[str, Path]:
    return {"mirror-mouse": bundled_data_dir(), **make_testbeds(out / "beds")}


def bed_config(name: str, data_dir: Path, seed: int, sets: list[str]) -> dict:
    cfg = yaml.safe_load(default_config_path().read_text())
    d = cfg["data"]
    d["data_dir"], d["video_dir"] = str(data_dir), str(bundled_data_dir() / "videos")
    if name != "mirror-mouse":
        names = read_keypoint_csv(data_dir / "CollectedData.csv").names
        d.update(csv_file="CollectedData.csv", keypoint_names=list(names), num_keypoints=len(names),
                 columns_for_singleview_pca=None, mirrored_column_matches=None)
    cfg["training"]["rng_seed_model_pt"] = seed
    cfg["eval"].update(predict_vids_after_training=False, test_videos_directory=None)
    for s in sets:  # dotted.key=value (YAML value)
        key, value = s.split("=", 1)
        node = cfg
        *parents, leaf = key.split(".")
        for p in parents: node = node.setdefault(p, {})
        node[leaf] = yaml.safe_load(value)
    return cfg


def run(impl: str, cfg: dict, run_dir: Path, ref_python: str) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    cfg_path = run_dir / "config_in.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    py, script = ((sys.executable, "run_ours.py") if impl == "ours" else (ref_python, "run_reference.py"))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    res = subprocess.run([py, str(HERE / script), "--config", str(cfg_path), "--output-dir", str(run_dir / "model"),
                          "--threads", "2"], capture_output=True, text=True, env=env, cwd=run_dir)
    line = [l for l in res.stdout.splitlines() if l.startswith("RESULT_JSON ")]
    if res.returncode or not line:
        raise RuntimeError(f"{impl} run in {run_dir} failed ({res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}")
    out = json.loads(line[-1][len("RESULT_JSON "):])
    for ck in (run_dir / "model").rglob("*.ckpt"): ck.unlink()
    return out


def heldout_error(model_dir: Path) -> float:
    "Mean pixel error over every labeled keypoint of the validation and test frames together (18 frames, not 9)."
    import pandas as pd
    df = pd.read_csv(model_dir / "predictions_pixel_error.csv", index_col=0)
    return float(np.nanmean(df[df["set"].isin(["validation", "test"])].drop(columns="set").to_numpy(float)))


def with_heldout(results: list[dict], out: Path):
    "Results cached before the held-out row existed get it from their runs' per-keypoint errors, where those are kept."
    for r in results:
        model_dir = out / "runs" / f"{r['impl']}-{r['variant']}-{r['bed']}-s{r['seed']}" / "model"
        if "heldout_pixel_error_mean" not in r and (model_dir / "predictions_pixel_error.csv").exists():
            r["heldout_pixel_error_mean"] = heldout_error(model_dir)
        if "not_fit" not in r and (model_dir / "predictions_pixel_error.csv").exists():
            r["not_fit"] = keypoints_not_fit(read_train_keypoint_errors(model_dir))


def split_of(model_dir: Path) -> list[str]:
    import pandas as pd
    df = pd.read_csv(model_dir / "predictions.csv", header=[0, 1, 2], index_col=0)
    return df[[c for c in df.columns if c[0] == "set"][0]].astype(str).tolist()


def table(results: list[dict], beds: list[str], impls: list[str]) -> str:
    rows = ["| bed | split | " + " | ".join(f"{i}: mean / worst / std" for i in impls) + " |",
            "|---|---|" + "---|" * len(impls)]
    for bed in beds:
        for split in SPLITS:
            cells = []
            for impl in impls:
                v = [r[f"{split}_pixel_error_mean"] for r in results
                     if r["bed"] == bed and r["impl"] == impl and f"{split}_pixel_error_mean" in r]
                cells.append(f"{np.mean(v):.2f} / {np.max(v):.2f} / {np.std(v):.2f} (n={len(v)})" if v else "-")
            rows.append(f"| {bed} | {split} | " + " | ".join(cells) + " |")
        cells = []  # runs that left a keypoint unlearned on their own training frames (`train.keypoints_not_fit`)
        for impl in impls:
            nf = [r["not_fit"] for r in results if r["bed"] == bed and r["impl"] == impl and "not_fit" in r]
            cells.append(f"{sum(map(bool, nf))} of {len(nf)} runs, {sum(map(len, nf))} keypoints" if nf else "-")
        rows.append(f"| {bed} | keypoints not fit | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def report(results: list[dict], seeds: list[int]) -> str:
    "Every cached implementation/variant per bed, over the given seeds: test mean / worst / std, val and train means."
    rows = ["| bed | implementation, variant | seeds | test mean | test worst | test std | held-out mean / worst | val mean | train mean |",
            "|---|---|---|---|---|---|---|---|---|"]
    keys = sorted({(r["bed"], r["impl"], r["variant"]) for r in results if r["seed"] in seeds})
    for bed, impl, variant in keys:
        rs = sorted((r for r in results if (r["bed"], r["impl"], r["variant"]) == (bed, impl, variant) and r["seed"] in seeds),
                    key=lambda r: r["seed"])
        t = np.array([r["test_pixel_error_mean"] for r in rs])
        h = [r["heldout_pixel_error_mean"] for r in rs if "heldout_pixel_error_mean" in r]
        held = f"{np.mean(h):.2f} / {np.max(h):.2f}" + ("" if len(h) == len(rs) else f" (n={len(h)})") if h else "-"
        rows.append(f"| {bed} | {impl}, {variant} | {','.join(str(r['seed']) for r in rs)} | {t.mean():.2f} | {t.max():.2f} | "
                    f"{t.std():.2f} | {held} | {np.mean([r['val_pixel_error_mean'] for r in rs]):.2f} | "
                    f"{np.mean([r['train_pixel_error_mean'] for r in rs]):.2f} |")
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--beds", nargs="+", default=["mirror-mouse", "colour640", "bot640"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    p.add_argument("--impl", nargs="+", default=["ours", "reference"], choices=["ours", "reference"])
    p.add_argument("--variant", default="default", help="a name for --set changes to our config")
    p.add_argument("--set", nargs="*", default=[], help="our config changes, dotted.key=value")
    p.add_argument("--out", default="/tmp/lpnb-accuracy")
    p.add_argument("--ref-python", default="/work/refvenv/bin/python")
    p.add_argument("--both", action="store_true", help="apply --set to the reference too (a config change, not a change of ours)")
    p.add_argument("--ref-set", nargs="*", default=None, help="the reference's config changes, dotted.key=value (YAML values): "
                   "the same change in its own terms (e.g. an imgaug dict); the reference's runs then carry --variant's name")
    p.add_argument("--report", action="store_true", help="only print every cached result (all variants), run nothing")
    a = p.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.report:
        cache = out / "results.jsonl"
        done = [json.loads(l) for l in cache.read_text().splitlines()] if cache.exists() else []
        with_heldout(done, out)
        print(report(done, a.seeds))
        return
    beds, cache = bed_dirs(out), out / "results.jsonl"
    done = [json.loads(l) for l in cache.read_text().splitlines()] if cache.exists() else []
    with_heldout(done, out)
    for bed in a.beds:
        for seed in a.seeds:
            for impl in a.impl:
                variant = a.variant if impl == "ours" or a.both or a.ref_set is not None else "default"
                if any(r["bed"] == bed and r["seed"] == seed and r["impl"] == impl and r["variant"] == variant for r in done):
                    continue
                sets = a.set if impl == "ours" or a.both else (a.ref_set or [])
                cfg = bed_config(bed, beds[bed], seed, sets)
                run_dir = out / "runs" / f"{impl}-{variant}-{bed}-s{seed}"
                r = run(impl, cfg, run_dir, a.ref_python)
                r.update(bed=bed, seed=seed, impl=impl, variant=variant, split=split_of(run_dir / "model"),
                         heldout_pixel_error_mean=heldout_error(run_dir / "model"), not_fit=keypoints_not_fit(read_train_keypoint_errors(run_dir / "model")))
                print(f"{impl:9s} {variant:10s} {bed:12s} seed {seed}: " + ", ".join(
                    f"{s} {r[f'{s}_pixel_error_mean']:.2f}" for s in SPLITS), flush=True)
                with cache.open("a") as f: f.write(json.dumps(r) + "\n")
                done.append(r)
    results = [r for r in done if r["bed"] in a.beds and r["seed"] in a.seeds
               and r["variant"] == (a.variant if r["impl"] == "ours" or a.both or a.ref_set is not None else "default")]
    for bed in a.beds:  # the same split everywhere, or the comparison means nothing
        splits = {json.dumps(r["split"]) for r in results if r["bed"] == bed}
        if len(splits) > 1: print(f"WARNING: {bed}: the runs do not share one split")
    print(f"\nmean pixel error (frame px) over seeds {a.seeds}; ours = variant '{a.variant}'\n")
    print(table(results, a.beds, a.impl))


if __name__ == "__main__":
    main()
