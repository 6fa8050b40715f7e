#!/usr/bin/env python
"""The GPU check (run through scripts/gpu_check.sh, which exits early without CUDA).

Steps, each timed and reported as one row of the final table (exit status 1 if any failed):
1. every notebook's `#| gpu` cells (`nbdev-test --flags gpu`; the other cells run too, they set the GPU cells up);
2. the GPU pytest tests (`-k gpu`);
3. a 2-epoch train + predict (with a labeled video) of each of the eight model classes on the bundled data;
4. a 2-GPU DDP run (`training.num_gpus: 2`) when two GPUs are present;
5. GPU benchmarks: train step (heatmap, resnet18 and resnet50, 128 px, batch 8) and video prediction frames/s,
   fp32 against bf16.
"""
import argparse, os, subprocess, sys, time
from pathlib import Path
import tempfile

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
rows: list[tuple[str, str, float, str]] = []


def step(name: str, cmd: list, timeout: float, env: dict | None = None) -> bool:
    t0 = time.perf_counter()
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})})
        ok, out = res.returncode == 0, (res.stdout + res.stderr)
    except subprocess.TimeoutExpired as e:
        ok, out = False, f"timed out after {timeout:.0f} s: {(e.stdout or b'')[-500:]!r}"
    took = time.perf_counter() - t0
    last = [l for l in out.strip().splitlines() if l.strip()]
    rows.append((name, "ok" if ok else "FAIL", took, (last[-1] if last else "")[:110]))
    print(f"{'ok  ' if ok else 'FAIL'} {name} ({took:.0f} s)", flush=True)
    if not ok: print(out[-3000:], flush=True)
    return ok


def configs(tmp: Path) -> dict:
    "One small config per model class: 2 epochs, resnet18 (the transformer: its ViT), the example data."
    import yaml
    from lightning_pose_nb.core import bundled_data_dir
    base = yaml.safe_load((ROOT / "configs" / "mirror-mouse-default.yaml").read_text())
    semi = yaml.safe_load((ROOT / "configs" / "mirror-mouse-semi.yaml").read_text())
    mv = yaml.safe_load((ROOT / "configs" / "mirror-mouse-multiview-transformer.yaml").read_text())
    out = {}
    for model_type in ("heatmap", "heatmap_mhcrnn", "regression", "heatmap_multiview_transformer"):
        for semi_supervised in (False, True):
            cfg = yaml.safe_load(yaml.safe_dump(mv if model_type == "heatmap_multiview_transformer" else base))
            if model_type != "heatmap_multiview_transformer":
                cfg["data"]["data_dir"] = str(bundled_data_dir())
                cfg["data"]["video_dir"] = str(bundled_data_dir() / "videos")
            cfg["model"]["model_type"] = model_type
            cfg["model"]["losses_to_use"] = (semi["model"]["losses_to_use"] if semi_supervised else [])
            if semi_supervised and model_type == "heatmap_multiview_transformer":
                cfg["model"]["losses_to_use"] = ["temporal"]
            cfg["training"].update(max_epochs=2, min_epochs=2, check_val_every_n_epoch=1)
            cfg["eval"]["save_vids_after_training"] = True
            name = f"{model_type}{' semi' if semi_supervised else ''}"
            path = tmp / f"{name.replace(' ', '_')}.yaml"
            path.write_text(yaml.safe_dump(cfg))
            out[name] = path
    return out


def bench(tmp: Path) -> None:
    "Train-step and video frames/s, fp32 against bf16, in this process (rows added directly)."
    import torch
    from lightning_pose_nb.models.heatmap_tracker import HeatmapTracker
    from lightning_pose_nb.inference import Predictor, TorchRunner
    from lightning_pose_nb.testing import example_video
    for backbone in ("resnet18", "resnet50"):
        for precision in ("32", "bf16"):
            model = HeatmapTracker(17, backbone=backbone, image_size=128).cuda().train()
            opt = torch.optim.Adam(model.parameters(), 1e-3)
            x, y = torch.randn(8, 3, 128, 128, device="cuda"), torch.rand(8, 17, 32, 32, device="cuda")
            times = []
            for i in range(30):
                torch.cuda.synchronize(); t0 = time.perf_counter()
                with torch.autocast("cuda", torch.bfloat16, enabled=precision == "bf16"):
                    loss = ((model(x).float() - y) ** 2).mean()
                opt.zero_grad(); loss.backward(); opt.step()
                torch.cuda.synchronize(); times.append(time.perf_counter() - t0)
            ms = 1000 * sorted(times[5:])[len(times[5:]) // 2]
            rows.append((f"bench: train step heatmap {backbone} b8 {precision}", "ok", 0.0, f"{ms:.1f} ms median"))
    model = HeatmapTracker(17, backbone="resnet18", image_size=128).eval()
    for precision in ("32", "bf16"):
        pred = Predictor.from_runner(TorchRunner(model, "cuda", precision), [f"kp{i}" for i in range(17)], batch_size=64)
        pred.predict_video(example_video(), progress=False)  # warm-up
        t0 = time.perf_counter(); kp, _ = pred.predict_video(example_video(), progress=False)
        fps = len(kp) / (time.perf_counter() - t0)
        rows.append((f"bench: video frames/s heatmap resnet18 {precision}", "ok", 0.0, f"{fps:.0f} frames/s ({len(kp)} frames)"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--skip-notebooks", action="store_true")
    p.add_argument("--max-minutes", type=float, default=8)
    a = p.parse_args()
    import torch
    n_gpus = torch.cuda.device_count()
    print(f"CUDA: {n_gpus} x {torch.cuda.get_device_name(0)}; torch {torch.__version__}", flush=True)
    start = time.perf_counter()
    if not a.skip_notebooks:
        step("notebooks: #| gpu cells (nbdev-test --flags gpu)", [str(BIN / "nbdev-test"), "--n-workers", "4", "--flags", "gpu"],
             300, {"IN_TEST": "1"})
    step("pytest: GPU tests", [sys.executable, "-m", "pytest", "-q", "-x", "-k", "gpu", "tests"], 180)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, cfg in configs(tmp).items():
            out = tmp / name.replace(" ", "_")
            if step(f"train 2 epochs + predict: {name}", [str(BIN / "lpnb-train"), str(cfg), "--output-dir", str(out),
                                                         "--accelerator", "gpu"], 240):
                videos = sorted((out / "video_preds" / "labeled_videos").glob("*.mp4"))
                rows[-1] = rows[-1][:3] + (f"{len(videos)} labeled video(s); " + rows[-1][3][:80],)
        if n_gpus >= 2:
            import yaml
            cfg = yaml.safe_load(configs(tmp)["heatmap"].read_text())
            cfg["training"]["num_gpus"] = 2
            (tmp / "ddp.yaml").write_text(yaml.safe_dump(cfg))
            step("DDP: 2 GPUs, heatmap", [str(BIN / "lpnb-train"), str(tmp / "ddp.yaml"), "--output-dir", str(tmp / "ddp"),
                                          "--accelerator", "gpu"], 240)
        else:
            rows.append(("DDP: 2 GPUs", "skipped", 0.0, f"{n_gpus} GPU visible"))
        try: bench(tmp)
        except Exception as e: rows.append(("bench", "FAIL", 0.0, f"{type(e).__name__}: {e}"[:110]))
    total = time.perf_counter() - start
    print("\n| check | result | s | detail |\n|---|---|---|---|")
    for name, status, took, detail in rows:
        print(f"| {name} | {status} | {took:.0f} | {detail.replace('|', '/')} |")
    print(f"\ntotal {total:.0f} s (budget {a.max_minutes:.0f} min)")
    sys.exit(1 if any(r[1] == "FAIL" for r in rows) else 0)


if __name__ == "__main__":
    main()
