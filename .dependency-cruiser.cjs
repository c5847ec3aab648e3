/**
 * The layering of src/, enforced by `npm run lint` (depcruise). docs/architecture.md draws the same picture.
 * Each folder of src/ sits in one layer; a folder may import its own layer's folder and any layer below it, never
 * one above. Within the extensions layer, no extension imports another.
 */
const LAYERS = [
  // /proc (and the illumos ps/ptree source behind the same interface): imports nothing of forkwatch's
  ['proc'],
  // base: helpers (run-program, reap, logger, ...), config, the cron clock; util reads /proc through proc
  ['util', 'config', 'schedule', 'version.ts'],
  // the stages, in the order a tick runs them
  ['scan'],
  ['classify'], // is this child never exec'd?
  ['capture'], // kernel evidence, stack, core, target facts
  ['match'], // which deadlock does this dump show?
  ['record'], // incidents in the store, their transitions
  // the stages put together (scan+classify coordinator, the real stages the daemon and CLI run)
  ['stages', 'audit'], // audit: the fork-risk assessment (its daemon part, audit/daemon, is an extension)
  // what an extension is given and gives: the contract, below the server and the extensions
  ['extension'],
  // the HTTP server, its guards and the core routes
  ['expose'],
  // extensions: each owns its routes, metrics and transitions handler
  ['alert', 'bundle', 'remediate', 'page', 'audit/daemon'],
  // the composition root: coordinates the stages, the extensions and the server
  ['daemon'],
  // tools built on the whole daemon
  ['doctor', 'demo'],
  // the command line, on top
  ['cli'],
];
const EXTENSIONS = LAYERS[LAYERS.length - 4];

/** A folder's modules; src/audit/ is the assessment without its daemon part, a file name is that file. */
const SPECIAL = { audit: '^src/audit/(?!daemon/)', 'version.ts': '^src/version\\.ts$' };
const folder = (name) => SPECIAL[name] ?? `^src/${name}/`;
const anyOf = (names) => names.map(folder).join('|');

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer[0]}`,
  severity: 'error',
  comment: `${layer.join(', ')} may not import a later layer (${LAYERS.slice(i + 1)
    .flat()
    .join(', ')}): see docs/architecture.md`,
  from: { path: anyOf(layer) },
  to: { path: anyOf(LAYERS.slice(i + 1).flat()) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle, type-only imports included: a type-only cycle is still a cycle for readers.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'extensions-apart',
      severity: 'error',
      comment: 'An extension never imports another extension: what they share belongs to a lower layer.',
      from: { path: `^src/(${EXTENSIONS.join('|')})/` },
      to: { path: `^src/(${EXTENSIONS.join('|')})/`, pathNot: '^src/$1/' },
    },
    {
      name: 'every-folder-has-a-layer',
      severity: 'error',
      comment: 'A new folder of src/ gets its place in LAYERS (and in docs/architecture.md).',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: anyOf(LAYERS.flat()) },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module of src/ that nothing imports and that imports nothing is dead code.',
      from: { orphan: true, path: '^src/', pathNot: '\\.d\\.ts$' },
      to: {},
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
  },
};
