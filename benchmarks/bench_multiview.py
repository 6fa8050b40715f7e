#!/usr/bin/env python
"""Forward and train-step time of multiview models: views folded into the batch vs joint attention across views.

Models (2 views, 128 px, batch 8 by default, threads fixed):
  heatmap (resnet18)                      views folded into the batch, independent
  heatmap (vits_dino)                     views folded into the batch, independent
  heatmap_multiview_transformer (vits_dino)  all views' patch tokens in one sequence

A train step = the labeled loss inputs (forward), heatmap MSE through the model's LossFactory, backward, Adam step,
with every parameter trainable. Times are medians over `--repeats` after `--warmup` untimed runs.

    .venv/bin/python benchmarks/bench_multiview.py --batch-size 8 --repeats 10 --threads 2
    .venv/bin/python benchmarks/bench_multiview.py --device cuda --repeats 50
"""
import argparse, statistics, time

MODELS = [("heatmap", "resnet18"), ("heatmap", "vits_dino"), ("heatmap_multiview_transformer", "vits_dino")]


def build(model_type, backbone, K, V, size):
    from lightning_pose_nb.losses import LossFactory
    from lightning_pose_nb.models.heatmap_tracker import HeatmapTracker
    from lightning_pose_nb.models.heatmap_tracker_multiview import HeatmapTrackerMultiviewTransformer
    loss = LossFactory({"heatmap_mse": {"log_weight": 0.}})
    if model_type == "heatmap":
        return HeatmapTracker(K, loss_factory=loss, backbone=backbone, image_size=size, pretrained=False)
    return HeatmapTrackerMultiviewTransformer(K, V, loss_factory=loss, backbone=backbone, image_size=size, pretrained=False)


def timed(fn, n, warmup, sync):
    out = []
    for i in range(warmup + n):
        sync(); t = time.perf_counter()
        fn()
        sync(); out.append(time.perf_counter() - t)
    return statistics.median(out[warmup:]) * 1e3


def bench(model_type, backbone, a, dev, sync):
    "(parameters, forward ms, train-step ms) of one model."
    import torch
    B, V, K, S, h = a.batch_size, a.views, a.keypoints, a.size, a.size // 4
    model = build(model_type, backbone, K, V, S).to(dev).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    kp = torch.rand(B, V * K, 2) * S
    batch = {"images": torch.randint(0, 256, (B, V, 3, S, S), dtype=torch.uint8),
             "keypoints": kp.reshape(B, -1), "heatmaps": torch.rand(B, V * K, h, h),
             "bbox": torch.tensor([[0., 0., S, S] * V] * B)}
    batch = model.on_after_batch_transfer({k: v.to(dev) for k, v in batch.items()}, 0)  # uint8 -> normalised

    def forward():
        with torch.no_grad(): model(batch["images"])

    def step():
        loss, _ = model.loss_factory("train", **model.get_loss_inputs_labeled(batch, with_keypoints=False))
        loss.backward(); opt.step(); opt.zero_grad()

    f, s = timed(forward, a.repeats, a.warmup, sync), timed(step, a.repeats, a.warmup, sync)
    return sum(q.numel() for q in model.parameters()), f, s


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--views", type=int, default=2)
    p.add_argument("--keypoints", type=int, default=7, help="per view")
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
    B, V, K, S = a.batch_size, a.views, a.keypoints, a.size
    print(f"device={a.device} threads={a.threads} views={V} size={S} batch={B} keypoints/view={K} "
          f"repeats={a.repeats} (median ms, warm-up excluded)")
    print(f"| {'model':<30} | {'backbone':<9} | {'params':>10} | {'forward':>8} | {'train step':>10} |")
    print(f"|{'-' * 32}|{'-' * 11}|{'-' * 12}|{'-' * 10}|{'-' * 12}|")
    for model_type, backbone in MODELS:
        n, f, s = bench(model_type, backbone, a, dev, sync)
        print(f"| {model_type:<30} | {backbone:<9} | {n:>10,} | {f:8.1f} | {s:10.1f} |")
        if dev.type == "cuda": torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
