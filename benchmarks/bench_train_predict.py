#!/usr/bin/env python
"""The default train + predict job: lightning_pose_nb vs the reference (Lightning Pose 2.4.3), back to back.

Runs benchmarks/run_ours.py (our venv) and benchmarks/run_reference.py (the reference venv made by
benchmarks/reference_setup.sh) on the same config, data and machine, alternating, each in a fresh process
with the same thread count; prints a table of phase times, the speed ratio and the pixel errors.

    .venv/bin/python benchmarks/bench_train_predict.py --repeats 1 --reference-python /work/refvenv/bin/python
"""
import argparse, json, statistics, subprocess, sys, tempfile
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
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-epochs", type=int, default=None)
    p.add_argument("--reference-python", default="/work/refvenv/bin/python")
    p.add_argument("--ours-python", default=sys.executable)
    a = p.parse_args()
    have_ref = Path(a.reference_python).exists()
    results = {"ours": [], "reference": []}
    with tempfile.TemporaryDirectory() as d:
        for r in range(a.repeats):
            results["ours"].append(run(a.ours_python, "run_ours.py", a.config, Path(d) / f"ours{r}", a.threads, a.max_epochs))
            if have_ref:
                results["reference"].append(run(a.reference_python, "run_reference.py", a.config, Path(d) / f"ref{r}",
                                                a.threads, a.max_epochs))

    def med(side, key):
        vals = [x[key] for x in results[side] if x.get(key) is not None]
        return statistics.median(vals) if vals else float("nan")

    keys = [("train_s", "fit (train + validation)"), ("predict_labeled_s", "predict labeled frames"),
            ("predict_video_s", "predict video"), ("total_s", "total job")]
    print(f"\nconfig: {a.config}\nthreads: {a.threads}, repeats: {a.repeats} (medians)\n")
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
    print("\nmean pixel error (frame px):")
    for split in ("train", "val", "test"):
        k = f"{split}_pixel_error_mean"
        print(f"  {split:<6} ours {med('ours', k):6.2f}   reference {med('reference', k):6.2f}")
    print("\nRAW " + json.dumps(results))


if __name__ == "__main__":
    main()
