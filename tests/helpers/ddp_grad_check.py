"""First training step of a heatmap model on 8 toy frames, its loss and gradient written to OUT.npz (rank 0).

Run by tests/test_ddp.py as `python ddp_grad_check.py OUT.npz` (1 process, batch 8) and as
`torchrun --nproc-per-node 2 ddp_grad_check.py OUT.npz` (2 gloo ranks, 4 frames each, gradients averaged by DDP).
BatchNorm runs on its running statistics (eval mode): on CPUs each rank normalises with its own batch otherwise
(SyncBatchNorm needs GPUs), which would differ from one batch of 8 by design, not by a fault.
"""
import os, sys
import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from lightning_pose_nb.augment import normalize_images
from lightning_pose_nb.losses import LossFactory
from lightning_pose_nb.models.heatmap_tracker import HeatmapTracker
from lightning_pose_nb.testing import toy_batch


def main(out: str):
    world, rank = int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("RANK", 0))
    if world > 1: dist.init_process_group("gloo")
    torch.set_num_threads(1)
    model = HeatmapTracker(17, backbone="resnet18", image_size=64, torch_seed=0,
                           loss_factory=LossFactory({"heatmap_mse": {"log_weight": 0.}}))
    for m in model.modules():  # BatchNorm on running statistics, everything else in training mode
        if isinstance(m, torch.nn.BatchNorm2d): m.eval()
    batch = toy_batch(17, batch_size=8, image_size=64, seed=0)
    rows = slice(rank * 8 // world, (rank + 1) * 8 // world)
    mine = {k: v[rows] for k, v in batch.items()}
    mine["images"] = normalize_images(mine["images"])

    class Loss(torch.nn.Module):  # DDP averages the gradients of what its wrapped module's forward returns
        def __init__(self, tracker): super().__init__(); self.tracker = tracker
        def forward(self, b): return self.tracker.evaluate_labeled(b)

    net = Loss(model)
    if world > 1: net = DistributedDataParallel(net)
    loss = net(mine)
    loss.backward()
    total = loss.detach().clone()
    if world > 1: dist.all_reduce(total); total /= world
    grads = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
    if rank == 0: np.savez(out, loss=float(total), grad=grads.numpy())  # 11M floats: binary, not text
    if world > 1: dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
