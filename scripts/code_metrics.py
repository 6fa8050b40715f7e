"""Code-shape figures for the library, printed as a table (used in design reviews; run from the repo root).

    python scripts/code_metrics.py            # the working tree
    python scripts/code_metrics.py --rev REV  # a commit, read through `git show` (nothing is checked out)

Counts: lines per module; branches on model-type strings; `cfg.` / `cfg[` uses per module; isinstance branches on
views (lists/tuples of paths or tensors); hand-written tiny `pl.Trainer(` setups and `LossFactory(` setups in
notebooks and tests; docstring coverage of public definitions (functions, classes, public methods and properties);
export cells over 30 lines.
"""
import argparse, ast, json, re, subprocess
from collections import Counter
from pathlib import Path


def files(rev, pattern):
    if rev is None:
        return {str(p): p.read_text() for p in sorted(Path('.').glob(pattern))}
    names = subprocess.run(['git', 'ls-tree', '-r', '--name-only', rev], capture_output=True, text=True).stdout.split()
    rx = re.compile('^' + re.escape(pattern).replace(r'\*\*/', '(.*/)?').replace(r'\*', '[^/]*') + '$')
    return {n: subprocess.run(['git', 'show', f'{rev}:{n}'], capture_output=True, text=True).stdout
            for n in names if rx.match(n)}


def public_defs(tree):
    "(name, has_docstring) of module-level public functions/classes and their public methods."
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith('_'):
            out.append((node.name, ast.get_docstring(node) is not None))
            if isinstance(node, ast.ClassDef):
                for m in node.body:
                    if isinstance(m, ast.FunctionDef) and not m.name.startswith('_'):
                        out.append((f'{node.name}.{m.name}', ast.get_docstring(m) is not None))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rev', default=None)
    ap.add_argument('--json', action='store_true', help='print one JSON object instead of the table')
    a = ap.parse_args()
    mods = {k: v for k, v in files(a.rev, 'lightning_pose_nb/**/*.py').items() if not k.endswith('_modidx.py')}
    nbs = files(a.rev, 'nbs/**/*.ipynb')
    tests = files(a.rev, 'tests/*.py')
    lines = {k: len(v.splitlines()) for k, v in mods.items()}
    type_branches = sum(len(re.findall(r"model_type\s*[!=]=|model_type in \(", v)) for v in mods.values())
    cfg_uses = {k: len(re.findall(r'\bcfg(\.|\[)', v)) for k, v in mods.items()}
    view_branches = sum(len(re.findall(r'isinstance\([^)]*\(list, tuple\)\)|is_multiview_config|\bif views\b|if .*views else', v))
                        for v in mods.values())
    sources = [''.join(c['source']) for t in nbs.values() for c in json.loads(t or '{"cells": []}')['cells']
               if c['cell_type'] == 'code'] + list(tests.values())
    trainers = sum(s.count('pl.Trainer(') for s in sources)
    # unsupervised loss setups written out by hand outside the losses notebook (which tests the factory itself)
    outside = [''.join(c['source']) for n, t in nbs.items() if '12_losses' not in n
               for c in json.loads(t or '{"cells": []}')['cells'] if c['cell_type'] == 'code'] + list(tests.values())
    loss_setups = sum(len(re.findall(r"LossFactory\(\{'(?:temporal|pca_)", s)) for s in outside)
    defs = [d for v in mods.values() for d in public_defs(ast.parse(v))]
    long_cells = sum(1 for t in nbs.values() for c in json.loads(t or '{"cells": []}')['cells']
                     if c['cell_type'] == 'code' and ''.join(c['source']).lstrip().startswith('#| export')
                     and len(''.join(c['source']).splitlines()) > 30)
    export_cells = sum(1 for t in nbs.values() for c in json.loads(t or '{"cells": []}')['cells']
                       if c['cell_type'] == 'code' and ''.join(c['source']).lstrip().startswith('#| export'))
    res = {'library lines (no _modidx)': sum(lines.values()), 'largest module': max(lines.items(), key=lambda kv: kv[1]),
           'modules': len(lines), 'model-type string branches': type_branches,
           'cfg uses': sum(cfg_uses.values()),
           'cfg uses per module': {k.removeprefix('lightning_pose_nb/'): n for k, n in cfg_uses.items() if n},
           'view isinstance/branches': view_branches, 'hand-written pl.Trainer( in nbs+tests': trainers,
           'hand-written unsupervised LossFactory setups': loss_setups,
           'public definitions': len(defs), 'with docstring': sum(d for _, d in defs),
           'export cells': export_cells, 'export cells > 30 lines': long_cells}
    if a.json: print(json.dumps(res, indent=1)); return
    for k, v in res.items(): print(f'{k:45s} {v}')
    print('\nlines per module:')
    for k, n in sorted(lines.items(), key=lambda kv: -kv[1]): print(f'  {n:5d}  {k}')


if __name__ == '__main__': main()
