#!/usr/bin/env python
"""Train + predict one config with lightning_pose_nb and print timings as one `RESULT_JSON {...}` line.

The counterpart of run_reference.py (same keys), plus `phases`: where the fit time goes, from Lightning's
SimpleProfiler (data loading, batch hook = augmentation on the model's device, training step, backward,
optimizer, validation), and the video decode time alone.

    .venv/bin/python benchmarks/run_ours.py --config configs/mirror-mouse-default.yaml --output-dir /tmp/ours
"""
import argparse, json, os, time


def augment_tweaks(spec: str | None):
    """Benchmark-only augmentation variants, from JSON in LPNB_BENCH_AUGMENT (for `bench_accuracy.py --variant`):
    `BLUR_LENGTH` (fraction of the image), `SALT_PEPPER_CELLS` (grid cells across), `erasing` (false: no occluding
    rectangle; or [min, max] area fractions), `pixel_dropout` (a fraction of pixels set to black, p=0.5, per channel
    half of the time), `warp_mode` (the geometric warp's interpolation), `keypoint_erasing` ([p, side]: a black square
    of `side` x the image centred on one random labeled keypoint, with probability p), `source_scale` (s: geometric
    warps sample each frame resized to s x the model input, as the reference warps the full frame, instead of the
    model-size image; images with no warp stay the model-size resize; single-frame models only;
    or "frame": warps sample the labeled frame itself, bicubically, as the reference augments the full frame before
    its one resize: a warp with no draw then reproduces the cv2 cubic resize to 0.002 on a [0, 1] scale; frames of one
    size only), `only` ("geometric": no photometric op, or "photometric": every warp the identity), `drop` (a list of
    photometric ops left out: "erasing", "equalize", "clahe", "sharpness", "blur", "salt_pepper")."""
    if not spec: return
    import kornia.augmentation as KA
    import lightning_pose_nb.augment as A
    tweaks = json.loads(spec)
    for k in ("BLUR_LENGTH", "SALT_PEPPER_CELLS"):
        if k in tweaks: setattr(A, k, tweaks[k])
    if "erasing" in tweaks:
        init = A.BatchAugmenter.__init__
        def patched(self, *args, **kwargs):
            init(self, *args, **kwargs)
            if self.photometric is None: return
            ops = [op for op in self.photometric if not isinstance(op, KA.RandomErasing)]
            if tweaks["erasing"]: ops.insert(0, KA.RandomErasing(scale=tuple(tweaks["erasing"]), ratio=(0.5, 2.), p=0.5))
            self.photometric = A.nn.Sequential(*ops)
        A.BatchAugmenter.__init__ = patched
    if tweaks.get("pixel_dropout"):  # the reference's CoarseDropout at 128 px from a 640 px frame: single pixels
        import torch
        frac, relative = tweaks["pixel_dropout"], A.BatchAugmenter.relative_ops
        def with_dropout(self, images):
            images = relative(self, images)
            B, T, C, H, W = images.shape
            drop = torch.rand(B, 1, C, H, W, device=images.device) < frac
            one_channel = (torch.rand(B, device=images.device) < 0.5)[:, None, None, None, None]
            drop = torch.where(one_channel, drop[:, :, :1].expand_as(drop), drop)
            drop &= (torch.rand(B, device=images.device) < 0.5)[:, None, None, None, None]
            return images.masked_fill(drop, 0.)
        A.BatchAugmenter.relative_ops = with_dropout
    if tweaks.get("keypoint_erasing"):  # [p, side]: with probability p, black out a square of `side` (a fraction of the
        import torch                       # image) centred on one random labeled keypoint: a hidden body part to infer
        p_erase, side = tweaks["keypoint_erasing"]
        fwd = A.BatchAugmenter.forward
        def with_keypoint_erasing(self, images, keypoints, aspect=None):
            images, kp, M = fwd(self, images, keypoints, aspect)
            if not self.active: return images, kp, M
            B, (H, W) = images.shape[0], images.shape[-2:]
            valid = torch.isfinite(kp).all(-1)                                   # (B,K)
            pick = torch.multinomial(valid.float() + 1e-6, 1).squeeze(1)         # one labeled keypoint per image
            c = kp[torch.arange(B), pick]                                        # (B,2)
            on = (torch.rand(B, device=images.device) < p_erase) & valid[torch.arange(B), pick]
            r = side * (H + W) / 4
            ys, xs = torch.arange(H, device=images.device), torch.arange(W, device=images.device)
            box = (((xs[None, None] - c[:, :1, None]).abs() <= r) & ((ys[None, :, None] - c[:, 1:, None]).abs() <= r))
            box = box & on[:, None, None]                                        # (B,H,W)
            mask = box[:, None] if images.ndim == 4 else box[:, None, None]
            return images.masked_fill(mask, 0.), kp, M
        A.BatchAugmenter.forward = with_keypoint_erasing
    if tweaks.get("only") == "geometric":
        init_only = A.BatchAugmenter.__init__
        def geometric_only(self, *args, **kwargs):
            init_only(self, *args, **kwargs)
            self.photometric = None
        A.BatchAugmenter.__init__ = geometric_only
    elif tweaks.get("only") == "photometric":
        import torch
        A.BatchAugmenter.sample_matrices = lambda self, B, device=None, aspect=None: torch.eye(2, 3).expand(B, 2, 3).clone().to(device)
    if tweaks.get("drop"):
        drop = set(tweaks["drop"])
        kinds = {"erasing": KA.RandomErasing, "equalize": KA.RandomEqualize, "clahe": KA.RandomClahe, "sharpness": KA.RandomSharpness}
        init_drop = A.BatchAugmenter.__init__
        def dropped(self, *args, **kwargs):
            init_drop(self, *args, **kwargs)
            if self.photometric is None: return
            self.photometric = A.nn.Sequential(*[op for op in self.photometric
                                                 if not any(isinstance(op, kinds[k]) for k in drop if k in kinds)])
        A.BatchAugmenter.__init__ = dropped
        if "blur" in drop: A.BLUR_LENGTH = 0.  # a zero-length segment: the identity kernel
        if "salt_pepper" in drop:
            import torch
            A.coarse_coverage = lambda cells, size: torch.zeros(*cells.shape[:2], *size, device=cells.device)
    if "warp_mode" in tweaks:  # the geometric warp's interpolation ('bilinear', or 'bicubic': the library's)
        warp = A.warp_affine
        A.warp_affine = lambda *args, **kwargs: warp(*args, **{**kwargs, "mode": tweaks["warp_mode"]})
    if tweaks.get("source_scale") == "frame":
        frame_source()
    elif tweaks.get("source_scale"):
        sharp_source(int(tweaks["source_scale"]))
    print("augmentation tweaks:", tweaks, flush=True)


def _warp_source(make_source, to_model, keep_unwarped: bool):
    """Benchmark hook: geometric warps of single-frame batches sample another image of each frame than the model-size one.
    `make_source(dataset, path)` gives a (3,h,w) uint8 tensor, cached per path; `to_model(images, source)` the (2,3)
    affine from source pixels to model pixels; `keep_unwarped`: images with no warp drawn stay the model-size image."""
    import torch
    import lightning_pose_nb.augment as A
    import lightning_pose_nb.data.datasets as D
    import lightning_pose_nb.models.base as MB
    getitem, cache = D.LabeledDataset.__getitem__, {}
    def with_source(self, i):
        item = getitem(self, i)
        if self.do_context: return item
        p = self.image_paths[i]
        if p not in cache: cache[p] = make_source(self, p)
        item["images_source"] = cache[p]
        return item
    D.LabeledDataset.__getitem__ = with_source
    hook = MB.BaseSupervisedTracker.on_after_batch_transfer
    def with_source_hook(self, batch, dataloader_idx=0):
        src = batch.pop("images_source", None) if isinstance(batch, dict) else None
        self.augmenter._source = A.to_float_images(src) if src is not None and self._training() else None
        try: return hook(self, batch, dataloader_idx)
        finally: self.augmenter._source = None
    MB.BaseSupervisedTracker.on_after_batch_transfer = with_source_hook
    warp, fwd = A.warp_affine, A.BatchAugmenter.forward
    def forward(self, images, keypoints, aspect=None):
        src = getattr(self, "_source", None)
        if src is None or images.ndim != 4: return fwd(self, images, keypoints, aspect)
        T = to_model(images, src)
        def warp_from_source(img, M, dsize, **kw):
            out = warp(src.to(img), A.compose_affine(M, T.to(M).expand_as(M)), dsize=dsize, **kw)
            if not keep_unwarped: return out
            same = (M - torch.eye(2, 3).to(M)).abs().amax((-2, -1)) < 1e-6  # no warp drawn: the model-size image itself
            return torch.where(same[:, None, None, None], img, out)
        A.warp_affine = warp_from_source
        try: return fwd(self, images, keypoints, aspect)
        finally: A.warp_affine = warp
    A.BatchAugmenter.forward = forward


def sharp_source(s: int):
    "Benchmark hook: geometric warps read the frame at s x the model input (see `augment_tweaks`)."
    import cv2, torch
    import lightning_pose_nb.data.datasets as D
    def make_source(ds, p):
        H, W = ds.image_size
        frame = cv2.resize(D.read_image(p), (s * W, s * H), interpolation=cv2.INTER_AREA)
        return torch.from_numpy(frame).permute(2, 0, 1).contiguous()
    c = (s - 1) / 2  # model pixel x <-> source pixel s x + c (pixel centres aligned)
    to_model = torch.tensor([[1 / s, 0., -c / s], [0., 1 / s, -c / s]])
    _warp_source(make_source, lambda images, src: to_model, keep_unwarped=True)


def frame_source():
    "Benchmark hook: geometric warps sample the full labeled frame (see `augment_tweaks`)."
    import torch
    import lightning_pose_nb.data.datasets as D
    def to_model(images, src):
        (H, W), (h0, w0) = images.shape[-2:], src.shape[-2:]
        rx, ry = w0 / W, h0 / H  # frame pixel u <-> model pixel (u + 0.5) / r - 0.5, as cv2's resize
        return torch.tensor([[1 / rx, 0., 0.5 / rx - 0.5], [0., 1 / ry, 0.5 / ry - 0.5]])
    _warp_source(lambda ds, p: torch.from_numpy(D.read_image(p)).permute(2, 0, 1).contiguous(), to_model, keep_unwarped=False)


def extra_callbacks(spec: str | None) -> list:
    """Benchmark-only training variants, from JSON in LPNB_BENCH_CALLBACKS (for `bench_accuracy.py --variant`):
    `warmup_steps` (every learning rate ramps linearly from 1/N to full over the first N optimizer steps, on top of the
    schedule and the backbone's thaw), `backbone_grads` (true: the backbone keeps its gradients while its learning rate
    is 0, as the reference's, so Adam's moments for it fill before the thaw; the library turns them off),
    `ema` ({"decay": d, "start_epoch": e}: Lightning's `EMAWeightAveraging` of the weights and BatchNorm buffers from
    epoch e on; validation, the checkpoint and prediction use the average)."""
    if not spec: return []
    import lightning.pytorch as pl
    tweaks, cbs = json.loads(spec), []
    if tweaks.get("backbone_grads"):
        import lightning_pose_nb.callbacks as C
        def keep_grads(self, trainer, pl_module, batch, batch_idx):
            if self.warmed_up: return
            opt = trainer.optimizers[0]
            progress = trainer.current_epoch if self.unfreeze_epoch is not None else trainer.global_step
            opt.param_groups[0]["lr"] = lr = self.backbone_lr(progress, opt.param_groups[1]["lr"])
            pl_module.backbone.requires_grad_(True)
            if lr >= opt.param_groups[1]["lr"]: self.warmed_up = True
        C.UnfreezeBackbone.on_train_batch_start = keep_grads
    if tweaks.get("ema"):
        from lightning.pytorch.callbacks import EMAWeightAveraging
        e = tweaks["ema"]
        cbs.append(EMAWeightAveraging(decay=float(e.get("decay", 0.98)), update_starting_at_epoch=e.get("start_epoch")))
    if tweaks.get("warmup_steps"):
        n = int(tweaks["warmup_steps"])
        class LinearWarmup(pl.Callback):
            saved = None
            def on_before_optimizer_step(self, trainer, pl_module, optimizer):
                if trainer.global_step >= n: return
                self.saved = [g["lr"] for g in optimizer.param_groups]
                for g in optimizer.param_groups: g["lr"] *= (trainer.global_step + 1) / n
            def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
                if self.saved is None: return
                for g, lr in zip(trainer.optimizers[0].param_groups, self.saved): g["lr"] = lr
                self.saved = None
        cbs.append(LinearWarmup())
    print("training tweaks:", tweaks, flush=True)
    return cbs


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=None, help="YAML config (default: the bundled job)")
    p.add_argument("--output-dir", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-epochs", type=int, default=None)
    a = p.parse_args()

    import torch
    torch.set_num_threads(a.threads)
    from lightning.pytorch.profilers import SimpleProfiler
    from lightning_pose_nb.core import load_config
    from lightning_pose_nb.data.video import VideoFrames, list_videos
    from lightning_pose_nb.train import train
    augment_tweaks(os.environ.get("LPNB_BENCH_AUGMENT"))

    overrides = {"training": {"max_epochs": a.max_epochs, "min_epochs": a.max_epochs}} if a.max_epochs else None
    prof = SimpleProfiler()
    t0 = time.perf_counter()
    res = train(a.config, a.output_dir, overrides, progress=False, overwrite=True, profiler=prof,
                callbacks=extra_callbacks(os.environ.get("LPNB_BENCH_CALLBACKS")))  # benchmark folders are scratch
    total = time.perf_counter() - t0

    def total_of(*needles):
        return sum(sum(v) for k, v in prof.recorded_durations.items() if any(n in k for n in needles))
    phases = {
        "data_loading": total_of("train_dataloader_next", "val_next"),
        "batch_hook_augment": total_of("on_after_batch_transfer"),
        "training_step_forward": total_of("SingleDeviceStrategy.training_step"),
        "backward": total_of("backward"),
        "optimizer_step": total_of("optimizer_step"),
        "validation_step": total_of("SingleDeviceStrategy.validation_step"),
    }
    cfg = load_config(res.model_dir / "config.yaml", warn=False)
    frames, t0 = 0, time.perf_counter()
    vids = list_videos(cfg.eval.test_videos_directory) if cfg.eval.test_videos_directory else []
    for v in vids:
        for _ in VideoFrames(v, (cfg.data.image_resize_dims.height, cfg.data.image_resize_dims.width)): frames += 1
    phases["video_decode_only"] = time.perf_counter() - t0
    out = dict(train_s=res.timings["fit"], predict_labeled_s=res.timings["predict_labeled"],
               predict_video_s=res.timings["predict_videos"], video_frames=frames, total_s=total,
               test_pixel_error_mean=res.pixel_error.get("test"), val_pixel_error_mean=res.pixel_error.get("validation"),
               train_pixel_error_mean=res.pixel_error.get("train"), phases=phases)
    print("RESULT_JSON " + json.dumps(out))


if __name__ == "__main__":
    main()
