#!/usr/bin/env bash
# Create .venv and install lightning-pose-nb with its dev tools (idempotent).
# torch/torchvision are asked for first and exactly: timm imports torchvision, and these two
# builds run on CPU and GPU alike.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
quiet() { { grep -v "^WARNING: Location" || true; }; }  # this machine's local-index notices; pip's own status still counts
"$VENV/bin/python" -m pip install -q torch==2.14.1 torchvision==0.29.1 2>&1 | quiet
"$VENV/bin/python" -m pip install -q -e ".[dev]" 2>&1 | quiet
"$VENV/bin/python" -c "import lightning_pose_nb, torch, timm, kornia, lightning; print('installed lightning_pose_nb', lightning_pose_nb.__version__, '| torch', torch.__version__, '| cuda', torch.cuda.is_available())"
# the two-view example is cut from the mirror-mouse data (not stored twice in the repo)
"$VENV/bin/python" -c "from lightning_pose_nb.data.two_view_example import bundled_multiview_dir; print('two-view example:', bundled_multiview_dir())"
# the calibrated three-camera example (3-D) is generated, not stored (about 1 s)
"$VENV/bin/python" -c "from lightning_pose_nb.data.calibrated_example import bundled_calibrated_dir; print('calibrated example:', bundled_calibrated_dir())"
