#!/usr/bin/env python
"""Accuracy test beds beyond the bundled data, made from real labeled frames we have (the mirror-mouse example).

    .venv/bin/python benchmarks/testbeds.py OUT_DIR        # writes OUT_DIR/<bed>/ and prints the beds

Each bed is a project folder in our (Lightning Pose's) layout: `CollectedData.csv` (3 header rows, image paths relative
to the folder) and `labeled-data/*.png`. The beds change what a model is tuned to without changing what it must find:

- `colour640`: every mirror-mouse frame (406x396, grey) scaled by 480/406 to 480x468, placed at a random horizontal
  offset in a 640x480 colour frame (a warm tint, so the channels differ, on a dark textured background), its 17 labels
  mapped alike. The frame the reference augments is now 1.6x larger than the bundled one and not square.
- `bot640`: the lower (mirror) view only (the two-view example's `bot` frames, 238x396, 8 keypoints), scaled by 1.6 to
  381x634 and placed in a 640x480 frame with a cool tint: a different camera geometry, far fewer keypoints, a small
  animal in a wide frame.

Frames are written once; rerunning skips beds that are already complete.
"""
import sys
from pathlib import Path
import cv2
import numpy as np

from lightning_pose_nb.core import bundled_data_dir
from lightning_pose_nb.data.csv import read_keypoint_csv, write_keypoint_csv
from lightning_pose_nb.data.two_view_example import bundled_multiview_dir

FRAME_W, FRAME_H = 640, 480


def _place(img_rgb: np.ndarray, scale: float, tint, rng) -> tuple[np.ndarray, float, float]:
    "The image scaled, tinted and placed in a 640x480 textured frame; returns (frame, x offset, y offset)."
    h, w = img_rgb.shape[:2]
    small = cv2.resize(img_rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    small *= np.asarray(tint, np.float32)
    sh, sw = small.shape[:2]
    bg = rng.normal((38, 44, 52), 6, (FRAME_H, FRAME_W, 3)).astype(np.float32)
    bg = cv2.GaussianBlur(bg, (0, 0), 3)
    ox, oy = int(rng.integers(0, FRAME_W - sw + 1)), int(rng.integers(0, FRAME_H - sh + 1))
    bg[oy:oy + sh, ox:ox + sw] = small
    return np.clip(bg, 0, 255).astype(np.uint8), ox, oy


def make_bed(name: str, src_dir: Path, csv_name: str, scale: float, tint, out: Path, seed: int) -> Path:
    dest = out / name
    if (dest / "CollectedData.csv").exists(): return dest
    table = read_keypoint_csv(src_dir / csv_name)
    rng = np.random.default_rng(seed)
    kp = table.keypoints.astype(float).copy()
    index = []
    for i, rel in enumerate(table.index):
        img = cv2.imread(str(src_dir / rel.replace("\\", "/")), cv2.IMREAD_COLOR)[..., ::-1]
        frame, ox, oy = _place(img, scale, tint, rng)
        kp[i] = kp[i] * scale + [ox, oy]
        new_rel = f"labeled-data/frames/{Path(rel).stem}.png"
        (dest / new_rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(dest / new_rel), frame[..., ::-1].copy())
        index.append(new_rel)
    write_keypoint_csv(dest / "CollectedData.csv", index, kp, table.names, scorer="testbed")
    return dest


def make_testbeds(out: str | Path) -> dict[str, Path]:
    out = Path(out)
    return {
        "colour640": make_bed("colour640", bundled_data_dir(), "CollectedData.csv", 480 / 406, (1.0, 0.82, 0.62), out, 0),
        "bot640": make_bed("bot640", bundled_multiview_dir(), "CollectedData_bot.csv", 1.6, (0.6, 0.8, 1.0), out, 1),
    }


if __name__ == "__main__":
    for name, path in make_testbeds(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lpnb-testbeds").items():
        t = read_keypoint_csv(path / "CollectedData.csv")
        print(f"{name}: {path} ({len(t.index)} frames, {len(t.names)} keypoints, {FRAME_W}x{FRAME_H})")
