"""Run notebooks and store the outputs a reader should see on GitHub (nbdev-clean keeps them: `clear_all = false`).

    python scripts/render_notebooks.py nbs/12_losses.ipynb nbs/tutorials/01_train_heatmap.ipynb

Tutorials and `30_viz` keep every output. Library notebooks keep only the outputs of cells marked with a
`# figure` comment line (the figure next to the code); every other cell is stored without outputs.
`scripts/check_outputs.py` (run by CI) checks exactly this.
"""
import os, re, sys, time
from pathlib import Path
from fastcore.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

KEEP_ALL = ('tutorials/', '30_viz')


def keeps_all(path: Path) -> bool: return any(k in path.as_posix() for k in KEEP_ALL)


def is_figure(cell) -> bool: return cell.cell_type == 'code' and any(l.strip() == '# figure' for l in cell.source.splitlines())


def final_text(text: str) -> str:
    "What a terminal shows of a stream with progress bars: each line's last carriage-return segment, no escape codes."
    text = re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', text)
    return '\n'.join(line.split('\r')[-1] if line.split('\r')[-1].strip() else line.rstrip('\r').split('\r')[-1]
                     for line in text.split('\n'))


def tidy(nb):
    "Progress bars collapsed to their final state, so stored outputs stay short and readable."
    for c in nb.cells:
        for o in c.get('outputs', []):
            if o.get('output_type') == 'stream': o['text'] = final_text(''.join(o['text']))


def render(path: Path):
    path = path.resolve()
    nb = read_nb(path)
    t0, cwd = time.perf_counter(), os.getcwd()
    os.chdir(path.parent)   # as nbdev-test runs it
    try: CaptureShell(path, mpl_format='png').run_all(nb, exc_stop=True)
    finally: os.chdir(cwd)
    tidy(nb)
    for c in nb.cells:
        if c.cell_type != 'code': continue
        if not (keeps_all(path) or is_figure(c)): c.outputs, c.execution_count = [], None
    write_nb(nb, path)
    print(f'{path}: {time.perf_counter() - t0:.0f} s')


if __name__ == '__main__':
    if sys.argv[1] == '--tidy-only':   # collapse progress bars in notebooks already run
        for p in sys.argv[2:]:
            nb = read_nb(p); tidy(nb); write_nb(nb, p)
    else:
        for p in sys.argv[1:]: render(Path(p))
