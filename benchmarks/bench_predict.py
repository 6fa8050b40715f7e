#!/usr/bin/env python
"""Video prediction speed: `lpnb-predict` against the reference's `litpose predict`, same model type, video and machine.

    .venv/bin/python benchmarks/bench_predict.py [--model-types heatmap heatmap_mhcrnn regression] [--repeats 3]
        [--ref-venv /work/refvenv] [--work /tmp/lpnb-bench-predict] [--threads 2]

For each model type it trains one model per package on the bundled data (1 epoch: speed does not depend on the
weights; resnet18 from random weights, 128x128, as the bundled default job), then times each command line as a fresh
process, alternating packages, on the full example video (994 frames) and on its first 64 frames:

- end to end: process start to exit (the prediction CSV written), on the full video; frames/s = frames / time;
- without start-up: (994 - 64) / (time on the full video - time on the 64-frame clip): the steady rate, with imports,
  model loading and every per-run cost cancelled out in the same way for both packages;
- start-up: time on the clip minus its 64 frames at the steady rate;
- peak RSS of the process (the reference's DataLoader workers, if any, not included).

Ours also runs `--precision bf16` (bfloat16 autocast: faster on CPUs with native bfloat16, as this one's avx512_bf16)
and `--runtime onnx` (after `lpnb-export`), and the `Predictor` (in this process) gives the latency of one
frame pushed live (median over 200 frames; the context model emits each frame two pushes later). Medians over repeats.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from lightning_pose_nb.core import bundled_data_dir, default_config_path  # noqa: E402
from lightning_pose_nb.testing import example_video, write_clip  # noqa: E402


def env(threads: int) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "PYTHONWARNINGS": "ignore",
            "TQDM_DISABLE": "1"}


def timed(cmd: list, threads: int) -> tuple[float, float]:
    "(wall seconds, peak RSS in MB) of one command run as a fresh process."
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(threads))
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    out, err = p.stdout.read().decode(), p.stderr.read().decode()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode: raise SystemExit(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{out[-2000:]}\n{err[-3000:]}")
    return wall, usage.ru_maxrss / 1024


def config_for(model_type: str, work: Path) -> Path:
    cfg = yaml.safe_load(default_config_path().read_text())
    cfg["data"]["data_dir"] = str(bundled_data_dir())
    cfg["data"]["video_dir"] = str(bundled_data_dir() / "videos")
    cfg["model"]["model_type"] = model_type
    cfg["model"]["model_name"] = model_type
    cfg["training"].update(max_epochs=1, min_epochs=1, check_val_every_n_epoch=1, unfreezing_epoch=0)
    cfg["training"]["lr_scheduler_params"] = {"multisteplr": {"milestones": [1], "gamma": 0.5}}
    cfg["eval"].update(predict_vids_after_training=False, save_vids_after_training=False)
    path = work / f"{model_type}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def train_models(model_type: str, work: Path, ref_venv: Path, threads: int) -> tuple[Path, Path | None]:
    cfg = config_for(model_type, work)
    ours, ref = work / f"ours-{model_type}", work / f"ref-{model_type}"
    if not (ours / "config.yaml").exists():
        subprocess.run([str(Path(sys.executable).parent / "lpnb-train"), str(cfg), "--output-dir", str(ours), "--overwrite"],
                       check=True, env=env(threads), capture_output=True)
    if not (ours / "model.onnx").exists():
        subprocess.run([str(Path(sys.executable).parent / "lpnb-export"), str(ours)], check=True, env=env(threads),
                       capture_output=True)
    if not (ref_venv / "bin" / "litpose").exists(): return ours, None
    if not list(ref.rglob("*.ckpt")):
        shutil.rmtree(ref, ignore_errors=True)
        res = subprocess.run([str(ref_venv / "bin" / "litpose"), "train", str(cfg), "--output_dir", str(ref)],
                             env=env(threads), capture_output=True, text=True)
        if res.returncode: raise SystemExit(f"reference training failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}")
    return ours, ref


def commands(ours: Path, ref: Path | None, ref_venv: Path, out: Path) -> dict:
    lpnb = str(Path(sys.executable).parent / "lpnb-predict")
    cmds = {"ours (torch)": lambda v: [lpnb, str(ours), str(v), "--output-dir", str(out)],
            "ours (torch bf16)": lambda v: [lpnb, str(ours), str(v), "--output-dir", str(out), "--precision", "bf16"],
            "ours (onnx)": lambda v: [lpnb, str(ours), str(v), "--output-dir", str(out), "--runtime", "onnx"]}
    if ref is not None:
        cmds["reference (eager)"] = lambda v: [str(ref_venv / "bin" / "litpose"), "predict", str(ref), str(v), "--overwrite"]
    return cmds


def live_latency(model_dir: Path, runtime: str, frames, precision: str = "32") -> float:
    "Median milliseconds per `FrameStream.push` (one frame, live)."
    from lightning_pose_nb.inference import Predictor
    extra = {"precision": precision} if runtime == "torch" else {}
    stream = Predictor(model_dir, runtime=runtime, device="cpu", **extra).stream()
    times = []
    for f in frames:
        t0 = time.perf_counter(); stream.push(f); times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times[10:])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-types", nargs="+", default=["heatmap", "heatmap_mhcrnn", "regression"])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--ref-venv", default="/work/refvenv")
    p.add_argument("--work", default="/tmp/lpnb-bench-predict")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    work, ref_venv = Path(a.work), Path(a.ref_venv)
    work.mkdir(parents=True, exist_ok=True)
    full = example_video()
    clip_len = 64
    clip = write_clip(full, work / "clip" / "clip.mp4", n=clip_len)
    import cv2
    n_full = int(cv2.VideoCapture(str(full)).get(cv2.CAP_PROP_FRAME_COUNT))
    import torch; torch.set_num_threads(a.threads)
    from lightning_pose_nb.data.video import iter_frames
    live_frames = [f for _, f in zip(range(200), iter_frames(full))]
    rows = []
    for mt in a.model_types:
        ours, ref = train_models(mt, work, ref_venv, a.threads)
        cmds = commands(ours, ref, ref_venv, work / "out")
        res = {k: {"full": [], "clip": [], "rss": []} for k in cmds}
        for _ in range(a.repeats):
            for name, cmd in cmds.items():  # alternate packages within each repeat
                for key, video in (("full", full), ("clip", clip)):
                    wall, rss = timed(cmd(video), a.threads)
                    res[name][key].append(wall); res[name]["rss"].append(rss)
        for name, r in res.items():
            full_s, clip_s = statistics.median(r["full"]), statistics.median(r["clip"])
            steady = (n_full - clip_len) / (full_s - clip_s)
            row = dict(model_type=mt, impl=name, end_to_end_s=full_s, fps_end_to_end=n_full / full_s, fps_steady=steady,
                       startup_s=clip_s - clip_len / steady, peak_rss_mb=max(r["rss"]))
            if name.startswith("ours"):
                row["live_ms"] = live_latency(ours, "onnx" if "onnx" in name else "torch", live_frames,
                                              "bf16" if "bf16" in name else "32")
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"\nvideo: {full.name}, {n_full} frames; {a.threads} threads; median of {a.repeats} runs\n")
    print("| model type | package | end to end (s) | frames/s end to end | frames/s without start-up | start-up (s) "
          "| peak RSS (MB) | live latency (ms/frame) | speed-up end to end | speed-up without start-up |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        base = next((b for b in rows if b["model_type"] == r["model_type"] and b["impl"].startswith("reference")), None)
        up = f"{r['fps_end_to_end'] / base['fps_end_to_end']:.2f}x" if base else "-"
        up2 = f"{r['fps_steady'] / base['fps_steady']:.2f}x" if base else "-"
        live = f"{r['live_ms']:.1f}" if "live_ms" in r else "-"
        print(f"| {r['model_type']} | {r['impl']} | {r['end_to_end_s']:.1f} | {r['fps_end_to_end']:.0f} | {r['fps_steady']:.0f} "
              f"| {r['startup_s']:.1f} | {r['peak_rss_mb']:.0f} | {live} | {up} | {up2} |")


if __name__ == "__main__":
    main()
