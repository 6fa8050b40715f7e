#!/usr/bin/env bash
# Recreate the virtualenv of the REFERENCE package (Lightning Pose 2.4.3), CPU-only,
# used by benchmarks/run_reference.py. Idempotent: re-running on an existing venv only
# (re)installs what is missing. It never touches the project's own .venv.
#
#   bash benchmarks/reference_setup.sh [VENV_DIR]      # default /work/refvenv
#
# Gotchas handled here:
# - torch/torchvision are installed FIRST at the versions the machine ships on local disk
#   (pip is capped by /etc/xdg/pip/constraints.txt; keep that cap).
# - lightning-pose is installed with --no-deps, because its METADATA requires
#   nvidia-dali-cuda110 (GPU-only, skipped here: 2.4.3 imports DALI lazily and only
#   needs it for semi-supervised training / the dali video reader).
# - kornia is pinned to 0.8.x: kornia 0.9 divides by the spatial-softmax temperature
#   instead of multiplying, which collapses the reference's soft-argmax predictions.
# - the reference requires numpy>=2 and depends on `imaug` (a numpy-2 compatible imgaug
#   fork that installs the `imgaug` module), so no numpy<2 pin is needed.
# - aniposelib pulls in opencv-contrib-python (5.x) next to opencv-python-headless; all
#   install into the same cv2/ folder. The reference only needs cv2.VideoCapture etc.,
#   which works with whichever ends up there.
set -euo pipefail

VENV="${1:-/work/refvenv}"
PY="${PYTHON:-python3.11}"
LP_VERSION=2.4.3

case "$(readlink -f "$VENV")" in
  */main/.venv|*/main/.venv/*) echo "refusing to touch the project's own .venv" >&2; exit 1;;
esac

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip)
"${PIP[@]}" install -q --upgrade pip

# 1. torch first (from local disk; capped by /etc/xdg/pip)
"${PIP[@]}" install torch==2.14.1 torchvision==0.29.1

# 2. the reference itself, without its declared deps (would pull nvidia-dali-cuda110)
"${PIP[@]}" install --no-deps "lightning-pose==${LP_VERSION}"

# 3. its runtime requirements from the wheel METADATA (Requires-Dist, no extras),
#    minus nvidia-dali-cuda110, with kornia pinned to 0.8.x
"${PIP[@]}" install \
  aniposelib \
  h5py \
  hydra-core \
  imaug \
  jaxtyping \
  'kornia>=0.8,<0.9' \
  'lightning>=2.5.0,<2.6.0' \
  matplotlib \
  'moviepy>=2.0.0' \
  'numpy>=2.0.0' \
  opencv-python-headless \
  'pandas>=2.2.2' \
  pillow \
  'pytorch-lightning>=2.5.0,<2.6.0' \
  safetensors \
  'scikit-learn>=1.5.0' \
  'tensorboard<3.0.0' \
  'torch==2.14.1' \
  'torchvision==0.29.1' \
  'transformers>=4.57.5'

# 4. smoke check
"$VENV/bin/python" - <<'EOF'
import cv2, imgaug, kornia, torch, lightning_pose
assert kornia.__version__.startswith("0.8."), kornia.__version__
print("reference venv OK: lightning_pose", lightning_pose.version, "torch", torch.__version__,
      "kornia", kornia.__version__, "imgaug", imgaug.__version__, "cv2", cv2.__version__)
EOF
