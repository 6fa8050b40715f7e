#!/usr/bin/env python
"""Forward and train-step time of a heatmap model (default: resnet50, 128 px, batch 8, 2 threads).

A train step = the model's labeled loss inputs (forward + soft-argmax), heatmap (or keypoint) MSE, backward, Adam step,
with the backbone trainable. Runs with our package, or with the reference package when started from
its venv with `--impl reference` (same step, same sizes), so both can be compared on one machine.

    .venv/bin/python benchmarks/bench_train_step.py --backbones resnet18 resnet50
    /work/refvenv/bin/python benchmarks/bench_train_step.py --impl reference --backbones resnet50
"""
import argparse, statistics, time


def build(impl, model_type, backbone, size, K):
    if impl == "ours":
        from lightning_pose_nb.models.factory import get_model_class
        return get_model_class(model_type)(K, backbone=backbone, image_size=size, pretrained=False)
    if model_type == "regression":
        from lightning_pose.models.regression_tracker import RegressionTracker as Ref
    elif model_type == "heatmap_mhcrnn":
        from lightning_pose.models.heatmap_tracker_mhcrnn import HeatmapTrackerMHCRNN as Ref
    else:
        from lightning_pose.models.heatmap_tracker import HeatmapTracker as Ref
    return Ref(num_keypoints=K, loss_factory=None, backbone=backbone, pretrained=False, image_size=size)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--impl", choices=["ours", "reference"], default="ours")
    p.add_argument("--model-type", choices=["heatmap", "regression", "heatmap_mhcrnn"], default="heatmap")
    p.add_argument("--backbones", nargs="+", default=["resnet50"])
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    K, h = 17, a.size // 4
    print(f"impl={a.impl} model={a.model_type} size={a.size} batch={a.batch} threads={a.threads} steps={a.steps} (median ms)")
    print(f"| {'backbone':<10} | {'forward':>9} | {'train step':>10} |")
    for bb in a.backbones:
        model = build(a.impl, a.model_type, bb, a.size, K).train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        shape = (a.batch, 5, 3, a.size, a.size) if a.model_type == "heatmap_mhcrnn" else (a.batch, 3, a.size, a.size)
        batch = {"images": torch.randn(*shape), "heatmaps": torch.rand(a.batch, K, h, h),
                 "keypoints": torch.rand(a.batch, 2 * K) * a.size,
                 "bbox": torch.tensor([[0., 0., 406., 396.]] * a.batch)}
        batch = model.on_after_batch_transfer(batch, 0)  # ours: normalise + channels_last, as in training
        fwd, step = [], []
        for i in range(a.steps + 2):
            t = time.perf_counter()
            with torch.no_grad(): model(batch["images"])
            fwd.append(time.perf_counter() - t)
            t = time.perf_counter()
            d = model.get_loss_inputs_labeled(batch)
            loss = (((d["heatmaps_pred"] - d["heatmaps_targ"]) ** 2).mean() if "heatmaps_pred" in d
                    else ((d["keypoints_pred"] - d["keypoints_targ"]) ** 2).mean())
            loss.backward(); opt.step(); opt.zero_grad()
            step.append(time.perf_counter() - t)
        f, s = statistics.median(fwd[2:]) * 1e3, statistics.median(step[2:]) * 1e3
        print(f"| {bb:<10} | {f:9.1f} | {s:10.1f} |")


if __name__ == "__main__":
    main()
