"""CI check: library notebooks are stored without outputs except cells marked `# figure`; tutorials and 30_viz keep theirs."""
import json, sys
from pathlib import Path

KEEP_ALL = ('tutorials/', '30_viz')
bad = []
for p in sorted(Path('nbs').rglob('*.ipynb')):
    if any(k in p.as_posix() for k in KEEP_ALL) or '.ipynb_checkpoints' in p.parts: continue
    for i, c in enumerate(json.loads(p.read_text())['cells']):
        if c['cell_type'] == 'code' and c.get('outputs') and '# figure' not in [l.strip() for l in ''.join(c['source']).splitlines()]:
            bad.append(f'{p} cell {i}')
if bad:
    print('library notebook cells stored with outputs (clear them, or mark a figure cell `# figure`):', *bad, sep='\n  ')
    sys.exit(1)
print('notebook outputs: ok')
