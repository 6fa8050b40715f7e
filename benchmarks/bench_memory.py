#!/usr/bin/env python
"""Peak memory and train-step time per memory knob (precision, gradient accumulation, batch sizes), one fresh process each.

    .venv/bin/python benchmarks/bench_memory.py [--model-types heatmap heatmap_mhcrnn] [--steps 8] [--device cpu|cuda]

Each row trains the bundled default job (resnet18, 128 px) for `--steps` optimizer steps through our own `Trainer`
setup (`train.build_trainer`: the same callbacks, precision and accumulation a real run uses; no validation) in a
fresh process, and reports the peak memory (CPU: the process's peak RSS; GPU: `torch.cuda.max_memory_allocated`) and
the median optimizer-step time. Semi-supervised rows add one unlabeled sequence per step (temporal + pca_singleview).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

KNOBS = [  # (name, training overrides, unlabeled sequence length)
    ("fp32, batch 8", {"precision": "32", "train_batch_size": 8}, 16),
    ("bf16-mixed, batch 8", {"precision": "bf16-mixed", "train_batch_size": 8}, 16),
    ("fp32, batch 4 x accumulate 2", {"precision": "32", "train_batch_size": 4, "accumulate_grad_batches": 2}, 16),
    ("fp32, batch 8, unlabeled 8 frames", {"precision": "32", "train_batch_size": 8}, 8),
]


def worker(model_type: str, semi: bool, overrides: dict, seq_len: int, steps: int, device: str) -> dict:
    import resource
    import torch
    import lightning.pytorch as pl
    from lightning_pose_nb.core import load_config, default_config_path
    from lightning_pose_nb.models.factory import check_config, get_model
    from lightning_pose_nb.train import build_data_module, build_trainer
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", 2)))
    over = {"model": {"model_type": model_type, "losses_to_use": ["temporal", "pca_singleview"] if semi else []},
            "training": {**overrides, "num_workers": 0, "unfreezing_epoch": 0, "accelerator": "gpu" if device == "cuda" else "cpu"},
            "dali": {"base": {"train": {"sequence_length": seq_len}}, "context": {"train": {"batch_size": seq_len}}}}
    cfg = load_config(default_config_path(), over, warn=False)
    cls = check_config(cfg)
    dm = build_data_module(cfg, cls)
    model = get_model(cfg, dm)
    times = []

    class StepTimer(pl.Callback):
        def on_train_batch_start(self, trainer, *a):
            if device == "cuda": torch.cuda.synchronize()
            self.t0 = time.perf_counter()
        def on_train_batch_end(self, trainer, *a):
            if device == "cuda": torch.cuda.synchronize()
            times.append(time.perf_counter() - self.t0)

    acc = cfg.training.accumulate_grad_batches
    with tempfile.TemporaryDirectory() as d:
        trainer, _ = build_trainer(cfg, Path(d), None, cls.semi_supervised, enable_progress_bar=False,
                                   max_steps=steps, limit_val_batches=0)
        trainer.callbacks.append(StepTimer())
        trainer.fit(model, dm)
    per_step = [sum(times[i:i + acc]) for i in range(acc, len(times) - acc + 1, acc)]  # optimizer steps, first dropped
    peak = (torch.cuda.max_memory_allocated() / 2 ** 20 if device == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {"step_ms": 1000 * statistics.median(per_step), "peak_mb": peak}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-types", nargs="+", default=["heatmap", "heatmap_mhcrnn"])
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        job = json.loads(a.worker)
        print("RESULT " + json.dumps(worker(**job, steps=a.steps, device=a.device)), flush=True)
        return
    env = {**os.environ, "OMP_NUM_THREADS": str(a.threads), "PYTHONWARNINGS": "ignore"}
    print(f"device {a.device}, {a.threads} threads, {a.steps} optimizer steps, resnet18 128 px; peak memory = "
          f"{'max allocated (CUDA)' if a.device == 'cuda' else 'peak RSS of the process'}\n")
    print("| model | knob | peak memory (MB) | optimizer step (ms) |\n|---|---|---|---|")
    for model_type in a.model_types:
        for semi in (False, True):
            for name, overrides, seq_len in KNOBS:
                if not semi and "unlabeled" in name: continue
                job = dict(model_type=model_type, semi=semi, overrides=overrides, seq_len=seq_len)
                res = subprocess.run([sys.executable, __file__, "--worker", json.dumps(job), "--steps", str(a.steps),
                                      "--device", a.device], capture_output=True, text=True, env=env)
                line = [l for l in res.stdout.splitlines() if l.startswith("RESULT ")]
                label = f"{model_type}{' semi' if semi else ''}"
                if res.returncode or not line:
                    print(f"| {label} | {name} | failed: {(res.stderr.strip().splitlines() or ['?'])[-1][:80]} | |", flush=True)
                    continue
                r = json.loads(line[-1][7:])
                print(f"| {label} | {name} | {r['peak_mb']:.0f} | {r['step_ms']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
