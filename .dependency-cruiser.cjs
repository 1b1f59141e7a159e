// dependency-cruiser: the layering rules of ARCHITECTURE.md §3 and code-models.md §10, checked in
// `npm run check`. Paths are relative to the repository root. Tests (*.test.ts) inside a pure zone may
// import test tooling (vitest, fast-check, node:fs for fixtures); everything else follows the rules.

/** The pure zones (also fenced by ESLint for globals such as Date.now; see eslint.config.js). */
const PURE =
  '^(client/protocol|client/common|zookeeper-ensemble/jute|zookeeper-ensemble/core|broker/controller|broker/replica|broker/group)/';
const TEST_FILE = '\\.test\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not depend on each other in a cycle (type-only cycles are allowed).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'core-not-to-shell',
      severity: 'error',
      comment:
        'zookeeper-ensemble/core and /jute are pure: they never import the server shell or a process entry point (main.ts).',
      from: { path: '^zookeeper-ensemble/(core|jute)/' },
      to: { path: ['^zookeeper-ensemble/server/', '(^|/)main\\.ts$'] },
    },
    {
      name: 'pure-zone-only-pure',
      severity: 'error',
      comment:
        'Pure zones import only other pure-zone code: no shells, no npm packages, no Node builtins (ARCHITECTURE.md §2).',
      from: { path: PURE, pathNot: TEST_FILE },
      to: { pathNot: PURE },
    },
    {
      name: 'common-is-a-leaf',
      severity: 'error',
      comment: 'client/common is the shared kernel: it imports nothing else from the repository.',
      from: { path: '^client/common/', pathNot: TEST_FILE },
      to: { path: '^(broker|client|zookeeper-ensemble|deploy|test)/', pathNot: '^client/common/' },
    },
    {
      name: 'client-not-to-servers',
      severity: 'error',
      comment: 'client/ (the Kafka client) imports neither the broker nor the ZooKeeper ensemble.',
      from: { path: '^client/' },
      to: { path: '^(broker|zookeeper-ensemble)/' },
    },
    {
      name: 'broker-not-to-zookeeper-ensemble',
      severity: 'error',
      comment:
        'broker/ talks to ZooKeeper over the wire with node-zookeeper-client, never through our server code.',
      from: { path: '^broker/' },
      to: { path: '^zookeeper-ensemble/' },
    },
    {
      name: 'zookeeper-client-only-in-broker-zk',
      severity: 'error',
      comment: 'Inside broker/, only broker/zk uses node-zookeeper-client (behind a small interface).',
      from: { path: '^broker/', pathNot: '^broker/zk/' },
      to: { path: 'node_modules/node-zookeeper-client/' },
    },
    {
      name: 'nothing-above-deploy',
      severity: 'error',
      comment: 'deploy/ runs everything; broker/, client/ and zookeeper-ensemble/ never import it.',
      from: { path: '^(broker|client|zookeeper-ensemble)/' },
      to: { path: '^deploy/' },
    },
    {
      name: 'nothing-imports-test',
      severity: 'error',
      comment: 'test/ holds cross-module suites and their support code; product code never imports it.',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing file.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^data/', '^coverage/', '^bench-results/'] },
    moduleSystems: ['es6', 'cjs'],
    // Count `import type` too, so a pure zone cannot lean on shell types; cycles ignore type-only edges.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
