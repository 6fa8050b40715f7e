#!/usr/bin/env python
"""Cut the bundled mirror-mouse example into a two-view (top/bot) dataset.

    python scripts/make_multiview_example.py            # writes data/mirror-mouse-multiview
    python scripts/make_multiview_example.py --max-frames 0   # keep every video frame

Rerunning rewrites the same files (see `lightning_pose_nb.data.multiview.make_two_view_example`)."""
import argparse
from pathlib import Path

from lightning_pose_nb.data.two_view_example import make_two_view_example

ROOT = Path(__file__).resolve().parent.parent

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--src', default='data/mirror-mouse-example', help='mirror dataset (relative to the repository root or absolute)')
    ap.add_argument('--dest', default='data/mirror-mouse-multiview', help='output folder (relative to the repository root or absolute)')
    ap.add_argument('--split-row', type=int, default=168, help='first row of the bottom view')
    ap.add_argument('--max-frames', type=int, default=500, help='video frames to keep (0: all); the shipped example keeps 500')
    args = ap.parse_args(argv)
    src, dest = (p if p.is_absolute() else ROOT/p for p in (Path(args.src), Path(args.dest)))
    out = make_two_view_example(src, dest, split_row=args.split_row, max_frames=args.max_frames or None)
    print(f"wrote {out}")

if __name__ == '__main__':
    main()
