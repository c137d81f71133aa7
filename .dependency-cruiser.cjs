// The import layering of src/, checked by `npm run lint` (dependency-cruiser).
// Every import points down this list: a file may import files of its own layer and
// of layers below it, never above. Shared vocabulary sits at the bottom; the
// composition roots (replay, rule tests, the service, commands, cli) at the top are
// the only files that wire stages together. src/README.md explains each layer.
// Tests (*.test.ts) are not shipped and may reach anywhere; they are not checked.

/** Bottom → top. A path matches one layer only. */
const LAYERS = [
  ['foundation', '^src/(vocabulary/|log[.]ts$|package[.]ts$|regular-file[.]ts$)'],
  ['request-path', '^src/request-path/'],
  ['event', '^src/event/'],
  ['normalize', '^src/normalize/'],
  ['decide', '^src/decide/'],
  ['window', '^src/window/'],
  ['detect', '^src/detect/'],
  ['rules', '^src/rules/'],
  ['contracts', '^src/contracts[.]ts$'],
  ['pipeline', '^src/pipeline/'],
  ['sink', '^src/sink/'],
  ['source', '^src/source/'],
  ['enforce', '^src/enforce/'],
  ['admin', '^src/admin/'],
  ['simulate', '^src/simulate/'],
  ['replay', '^src/replay/'],
  ['report', '^src/report/'],
  ['rule-tests', '^src/rule-tests/'],
  ['config', '^src/config([.]ts$|/)'],
  ['clients', '^src/clients/'],
  ['asyncapi', '^src/asyncapi[.]ts$'],
  ['observability', '^src/(metrics[.]ts$|enforcer-metrics[.]ts$|http/)'],
  ['service', '^src/service/'],
  ['commands', '^src/commands/'],
  ['cli', '^src/cli[.]ts$'],
];

/** Folders entered through their index.ts only: the stage's public surface. */
const SURFACES = [
  'request-path',
  'event',
  'normalize',
  'detect',
  'pipeline',
  'enforce',
  'admin',
  'simulate',
  'report',
];

const TESTS = '[.]test[.]ts$';

const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${name}`,
  severity: 'error',
  comment:
    `${name} imports a layer above it (${LAYERS.slice(i + 1)
      .map(([above]) => above)
      .join(', ')}). ` +
    'Move the shared part down (vocabulary, or the lower stage), or pass it in from a composition root. See src/README.md.',
  from: { path, pathNot: TESTS },
  to: { path: LAYERS.slice(i + 1).map(([, above]) => above) },
}));

const surfaces = SURFACES.map((folder) => ({
  name: `surface-${folder}`,
  severity: 'error',
  comment: `import src/${folder}/ through its index.ts (its public surface), or export the name there`,
  from: { path: '^src/', pathNot: [`^src/${folder}/`, TESTS] },
  to: { path: `^src/${folder}/`, pathNot: `^src/${folder}/index[.]ts$` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'an import cycle: break it by moving the shared part below both files',
      from: {},
      to: { circular: true },
    },
    ...upward,
    ...surfaces,
    {
      name: 'surface-config',
      severity: 'error',
      comment: 'import the configuration through src/config.ts, or export the name there',
      from: { path: '^src/', pathNot: ['^src/config([.]ts$|/)', TESTS] },
      to: { path: '^src/config/' },
    },
    {
      name: 'layer-unassigned',
      severity: 'error',
      comment:
        'every file of src/ belongs to a layer: add its path to LAYERS in .dependency-cruiser.cjs',
      from: { path: '^src/', pathNot: [...LAYERS.map(([, path]) => path), TESTS] },
      to: {},
    },
    {
      name: 'layer-unassigned-target',
      severity: 'error',
      comment:
        'every file of src/ belongs to a layer: add its path to LAYERS in .dependency-cruiser.cjs',
      from: { path: '^src/', pathNot: TESTS },
      to: { path: '^src/', pathNot: LAYERS.map(([, path]) => path) },
    },
    {
      name: 'no-test-code-shipped',
      severity: 'error',
      comment: 'src/ is compiled into dist/: test helpers and dev dependencies belong in test/',
      from: { path: '^src/', pathNot: TESTS },
      to: { path: [TESTS, '^test/'] },
    },
    {
      name: 'no-dev-dependency-shipped',
      severity: 'error',
      comment: 'src/ is compiled into dist/ and runs without devDependencies',
      from: { path: '^src/', pathNot: TESTS },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
