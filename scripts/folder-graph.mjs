// Prints the import graph of src/ folded to its top-level folders (src/x/… → x, src/x.ts → x.ts) and the folder
// cycles in it, from dependency-cruiser's JSON: `npx depcruise src -c .dependency-cruiser.cjs -T json | node scripts/folder-graph.mjs`.
import { readFileSync } from 'node:fs';

const result = JSON.parse(readFileSync(0, 'utf8'));
const folderOf = (path) => {
  const m = /^src\/([^/]+)(\/)?/.exec(path);
  return m ? (m[2] ? m[1] : `src/${m[1]}`) : null;
};
const edges = new Map();
for (const mod of result.modules) {
  const from = folderOf(mod.source);
  if (!from) continue;
  for (const dep of mod.dependencies) {
    const to = folderOf(dep.resolved);
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
  }
}
for (const [from, tos] of [...edges].sort()) console.log(`${from} → ${[...tos].sort().join(', ')}`);
const cycles = [];
for (const [a, tos] of edges) for (const b of tos) if (a < b && edges.get(b)?.has(a)) cycles.push(`${a} ↔ ${b}`);
console.log(cycles.length ? `folder 2-cycles: ${cycles.join('; ')}` : 'folder 2-cycles: none');
