#!/usr/bin/env bash
# Install, then train + predict the default job on the bundled example data.
# Writes outputs/mirror-mouse/: config.yaml, the best checkpoint, predictions.csv,
# predictions_pixel_error.csv and video_preds/test_vid.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/lpnb-train --output-dir outputs/mirror-mouse "$@"
