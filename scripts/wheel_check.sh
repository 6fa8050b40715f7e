#!/usr/bin/env bash
# CI: the wheel carries its example. Build it, install it (no dependencies: the same as this environment's) into a folder
# outside the checkout, and from another folder run a tiny lpnb-train and an lpnb-predict with that copy alone.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python -m pip wheel -q --no-deps --no-build-isolation -w "$tmp/wheel" . 2>&1 | { grep -v "^WARNING: Location" || true; }
python -m pip install -q --no-deps --target "$tmp/site" "$tmp"/wheel/*.whl 2>&1 | { grep -v "^WARNING: Location" || true; }
cd "$tmp"
export PYTHONPATH="$tmp/site"
python -c "import lightning_pose_nb as m, sys; assert m.__file__.startswith('$tmp/site'), m.__file__; print('wheel copy:', m.__file__)"
"$tmp/site/bin/lpnb-train" --output-dir "$tmp/model" --max-epochs 1 --accelerator cpu | tail -n 4
video="$tmp/site/lightning_pose_nb/example/data/mirror-mouse-example/videos/test_vid.mp4"
"$tmp/site/bin/lpnb-predict" "$tmp/model" "$video" --output-dir "$tmp/again" | tail -n 2
test -s "$tmp/again/video_preds/test_vid.csv"
echo "wheel check: ok ($(du -h "$tmp"/wheel/*.whl | cut -f1) wheel)"
