#!/usr/bin/env python
"""Train-step time of supervised vs semi-supervised models on CPU (or GPU): what the unlabeled video costs.

A supervised step = device-side batch hook (dlc augmentation, heatmap targets, normalisation), labeled loss inputs,
heatmap MSE, backward, Adam step. A semi-supervised step adds one unlabeled sequence of `--sequence-length` frames:
its augmentation (one draw for the whole sequence), forward + soft-argmax, undoing the affine, the temporal and
pca_singleview losses (PCA fit on the example's training labels, frame pixels). Video decoding is not in the step:
a DataLoader worker does it in the background (it is timed separately, per sequence). The reference package cannot
run this comparison on a CPU: its semi-supervised models read video only through NVIDIA DALI.

    .venv/bin/python benchmarks/bench_semi_supervised.py --model-types heatmap heatmap_mhcrnn regression
"""
import argparse, statistics, time


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-types", nargs="+", default=["heatmap"])
    p.add_argument("--backbone", default="resnet18")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--sequence-length", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    import torch
    from lightning_pose_nb.core import load_config, default_config_path
    from lightning_pose_nb.predict import training_data
    from lightning_pose_nb.data.unlabeled import VideoSequences
    from lightning_pose_nb.models.factory import get_model
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    video = load_config(default_config_path(), warn=False).data.video_dir + "/test_vid.mp4"
    seqs = VideoSequences([video], (a.size, a.size), a.sequence_length, num_sequences=a.steps + 2)
    t0 = time.perf_counter(); unlabeled = list(seqs); decode = (time.perf_counter() - t0) / len(unlabeled) * 1e3
    print(f"backbone={a.backbone} size={a.size} labeled batch={a.batch} unlabeled sequence={a.sequence_length} "
          f"threads={a.threads} device={a.device} steps={a.steps} (median ms)")
    print(f"decoding one {a.sequence_length}-frame sequence (in a worker, overlapped): {decode:.0f} ms")
    print(f"| {'model type':<15} | {'supervised step':>15} | {'semi step':>9} | {'unlabeled aug':>13} | {'ratio':>5} |")
    for model_type in a.model_types:
        times = {}
        for semi in (False, True):
            over = {"model": {"model_type": model_type, "backbone": a.backbone,
                              "losses_to_use": ["temporal", "pca_singleview"] if semi else []},
                    "data": {"image_resize_dims": {"height": a.size, "width": a.size}},
                    "losses": {"temporal": {"log_weight": 0.}, "pca_singleview": {"log_weight": 0.}}}
            cfg = load_config(default_config_path(), over, warn=False)
            dm = training_data(cfg, requires_context=model_type == "heatmap_mhcrnn")
            dm.batch_sizes["train"] = a.batch
            model = get_model(cfg, dm).to(dev).train()
            model._training = lambda: True  # the batch hook augments as in a training step
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            labeled = next(iter(dm.train_dataloader()))
            step, aug = [], []
            for i in range(a.steps + 2):
                sync(); t = time.perf_counter()
                b = model.on_after_batch_transfer({k: v.to(dev) for k, v in labeled.items()}, 0)
                loss, _ = model.loss_factory("train", **model.get_loss_inputs_labeled(b))
                if semi:
                    ta = time.perf_counter()
                    u = model.prepare_unlabeled({k: v.to(dev) for k, v in unlabeled[i].items()})
                    sync(); aug.append(time.perf_counter() - ta)
                    lu, _ = model.loss_factory_unsup("train", 1.0, **model.get_loss_inputs_unlabeled(u))
                    loss = loss + lu
                loss.backward(); opt.step(); opt.zero_grad()
                sync(); step.append(time.perf_counter() - t)
            times[semi] = statistics.median(step[2:]) * 1e3
            if semi: times["aug"] = statistics.median(aug[2:]) * 1e3
        print(f"| {model_type:<15} | {times[False]:15.0f} | {times[True]:9.0f} | {times['aug']:13.0f} | "
              f"{times[True] / times[False]:5.2f} |")


if __name__ == "__main__":
    main()
