#!/usr/bin/env python
"""The default train + predict job: lightning_pose_nb vs the reference (Lightning Pose 2.4.3), back to back.

Runs benchmarks/run_ours.py (our venv) and benchmarks/run_reference.py (the reference venv made by
benchmarks/reference_setup.sh) on the same config, data and machine, alternating, each in a fresh process
with the same thread count; prints a table of phase times, the speed ratio and the pixel errors.

    .venv/bin/python benchmarks/bench_train_predict.py --seeds 0 1 2 --reference-python /work/refvenv/bin/python

Each seed is one repeat: `training.rng_seed_model_pt` (weight init) takes that value; the data split stays
the same, so both packages are scored on the same 9 test frames. The test set is small, so compare means
over seeds, not single runs.
"""
import argparse, json, statistics, subprocess, sys, tempfile
import yaml
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run(python, script, config, out, threads, max_epochs):
    cmd = [python, str(HERE / script), "--config", str(config), "--output-dir", str(out), "--threads", str(threads)]
    if max_epochs: cmd += ["--max-epochs", str(max_epochs)]
    env = {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "PATH": "/usr/bin:/bin",
           "HOME": str(Path.home()), "PYTHONUNBUFFERED": "1"}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    line = [l for l in res.stdout.splitlines() if l.startswith("RESULT_JSON ")]
    if res.returncode or not line:
        raise SystemExit(f"{script} failed ({res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-4000:]}")
    return json.loads(line[-1][len("RESULT_JSON "):])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=str(ROOT / "configs" / "mirror-mouse-default.yaml"))
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-epochs", type=int, default=None)
    p.add_argument("--reference-python", default="/work/refvenv/bin/python")
    p.add_argument("--ours-python", default=sys.executable)
    a = p.parse_args()
    have_ref = Path(a.reference_python).exists()
    results = {"ours": [], "reference": []}
    with tempfile.TemporaryDirectory() as d:
        base = Path(a.config).resolve()
        for seed in a.seeds:
            cfg = yaml.safe_load(base.read_text())
            cfg["training"]["rng_seed_model_pt"] = seed
            for k in ("data_dir", "video_dir"):  # keep relative folders pointing where they did
                if cfg["data"].get(k) and not Path(cfg["data"][k]).is_absolute():
                    cfg["data"][k] = str((base.parent / cfg["data"][k]).resolve())
            seeded = Path(d) / f"config_seed{seed}.yaml"
            seeded.write_text(yaml.safe_dump(cfg))
            results["ours"].append(run(a.ours_python, "run_ours.py", seeded, Path(d) / f"ours{seed}", a.threads, a.max_epochs))
            print(f"seed {seed} ours: {json.dumps(results['ours'][-1])}", flush=True)
            if have_ref:
                results["reference"].append(run(a.reference_python, "run_reference.py", seeded, Path(d) / f"ref{seed}",
                                                a.threads, a.max_epochs))
                print(f"seed {seed} reference: {json.dumps(results['reference'][-1])[:600]}", flush=True)

    def med(side, key):
        vals = [x[key] for x in results[side] if x.get(key) is not None]
        return statistics.median(vals) if vals else float("nan")

    keys = [("train_s", "fit (train + validation)"), ("predict_labeled_s", "predict labeled frames"),
            ("predict_video_s", "predict video"), ("total_s", "total job")]
    print(f"\nconfig: {a.config}\nthreads: {a.threads}, seeds: {a.seeds} (medians over seeds)\n")
    print(f"| {'phase':<28} | {'ours (s)':>9} | {'reference (s)':>13} | {'speed-up':>8} |")
    print(f"|{'-'*30}|{'-'*11}|{'-'*15}|{'-'*10}|")
    for k, name in keys:
        o, r = med("ours", k), med("reference", k)
        print(f"| {name:<28} | {o:9.1f} | {r:13.1f} | {r / o if o else float('nan'):7.2f}x |")
    frames = results["ours"][0]["video_frames"]
    print(f"| {'video frames/s':<28} | {frames / med('ours', 'predict_video_s'):9.0f} | "
          f"{frames / med('reference', 'predict_video_s') if have_ref else float('nan'):13.0f} |          |")
    print("\nwhere our fit time goes (SimpleProfiler, s):")
    for k, v in results["ours"][0]["phases"].items(): print(f"  {k:<24} {v:7.2f}")
    def mean(side, key):
        vals = [x[key] for x in results[side] if x.get(key) is not None]
        return statistics.mean(vals) if vals else float("nan")
    print("\nmean pixel error (frame px), per seed and mean over seeds:")
    for split in ("train", "val", "test"):
        k = f"{split}_pixel_error_mean"
        per = lambda side: " ".join(f"{x[k]:6.2f}" for x in results[side])
        print(f"  {split:<6} ours [{per('ours')}] mean {mean('ours', k):6.2f}   "
              f"reference [{per('reference')}] mean {mean('reference', k):6.2f}")
    print("\nRAW " + json.dumps(results))


if __name__ == "__main__":
    main()
