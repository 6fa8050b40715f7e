#!/usr/bin/env bash
# CI: the wheel carries its example and declares everything it needs. Build it, install it into a fresh virtual
# environment outside the checkout (torch first, exactly as scripts/install.sh asks for it; every other dependency
# comes from the wheel's own metadata), and from another folder run a tiny lpnb-train and an lpnb-predict with it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
quiet() { { grep -v "^WARNING: Location" || true; }; }   # this machine's local-index notices
python -m pip wheel -q --no-deps --no-build-isolation -w "$tmp/wheel" . 2>&1 | quiet
"$PY" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q torch==2.14.1 torchvision==0.29.1 2>&1 | quiet
"$tmp/venv/bin/python" -m pip install -q "$tmp"/wheel/*.whl 2>&1 | quiet
cd "$tmp"
"$tmp/venv/bin/python" -c "import lightning_pose_nb as m; assert m.__file__.startswith('$tmp/venv'), m.__file__; print('wheel copy:', m.__file__)"
"$tmp/venv/bin/lpnb-train" --output-dir "$tmp/model" --max-epochs 1 --accelerator cpu \
  --overrides eval.predict_vids_after_training=false | tail -n 4   # the video: lpnb-predict below
video="$("$tmp/venv/bin/python" -c "from lightning_pose_nb.core import bundled_data_dir; print(bundled_data_dir()/'videos'/'test_vid.mp4')")"
"$tmp/venv/bin/lpnb-predict" "$tmp/model" "$video" --output-dir "$tmp/again" 2>&1 | tail -n 2
test -s "$tmp/again/video_preds/test_vid.csv"
echo "wheel check: ok ($(du -h "$tmp"/wheel/*.whl | cut -f1) wheel, fresh environment)"
