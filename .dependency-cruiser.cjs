/**
 * The shape of the import graph, checked by `npm run check` (`depcruise`). The layers, from the bottom:
 *
 *   kernel    events/ (the contract), lib/apps/ (the app model), lib/errors.ts, lib/reasons.ts, lib/outcomes.ts, lib/issues.ts,
 *             lib/topology.ts, lib/config.ts, lib/contract.ts
 *   adapters  lib/kube, lib/store, lib/queue, lib/registry, lib/sources, lib/local: talk to one outside thing each
 *   domains   every other folder of lib/ (deploy, fleet; heal and scale next): decisions/ and render/ (pure),
 *             use-cases/ (act through ports), ports.ts, settings.ts
 *   entries   functions/, cdk/, lib/lambda, lib/runtime, lib/cli, lib/bench, lib/ingest (the HTTP edge): wire
 *             adapters into use cases
 *
 * Arrows point down only. A domain's pure folders import no adapter and no Node built-in (types aside); the
 * rest of a domain reaches Kubernetes and the table only through the ports (lib/kube/gateway.ts,
 * lib/store/ports.ts), never the clients. A new folder of lib/ is a domain unless it is listed here.
 * See lib/README.md.
 */
const kernelFiles = 'lib/(errors|reasons|outcomes|issues|topology|config|contract|roles)[.]ts$';
const kernel = `^(events/|lib/apps/|${kernelFiles})`;
const adapterDirs = 'kube|store|queue|registry|sources|local|ceph';
const entryDirs = 'lambda|runtime|cli|bench|ingest';
const adapters = `^lib/(${adapterDirs})/`;
const entries = `^(functions/|cdk/|lib/(${entryDirs})/)`;
const domains = `^lib/(?!(${adapterDirs}|${entryDirs}|apps)/)[^/]+/`;
const pure = '^lib/[^/]+/(decisions|render)/';
const clients = '^node_modules/(@aws-sdk|@aws-lambda-powertools|@middy|@kubernetes)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle, type-only ones included: split the shared part out.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'kernel-is-the-bottom',
      severity: 'error',
      comment: 'The contract and the shared vocabulary import nothing above them.',
      from: { path: kernel },
      to: { path: [adapters, domains, entries] },
    },
    {
      name: 'adapters-know-no-domain',
      severity: 'error',
      comment: 'An adapter speaks to one outside thing; what a domain means is not its business.',
      from: { path: adapters },
      to: { path: [domains, entries] },
    },
    {
      name: 'kube-and-store-apart',
      severity: 'error',
      comment: 'The Kubernetes adapter does not know the table (lib/kube/credentials.ts is shared the other way).',
      from: { path: '^lib/kube/' },
      to: { path: '^lib/store/' },
    },
    {
      name: 'domains-know-no-entry',
      severity: 'error',
      comment: 'A domain is wired by the entries, never the other way round.',
      from: { path: domains },
      to: { path: entries },
    },
    {
      name: 'decisions-are-pure',
      severity: 'error',
      comment: 'decisions/ and render/ do no I/O: no adapter, no use case, no client (types are fine).',
      from: { path: pure },
      to: { path: [adapters, '^lib/[^/]+/use-cases/', clients], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'decisions-use-no-node-builtin',
      severity: 'error',
      comment: 'No file system, network or process in a decision: what it needs is handed to it.',
      from: { path: pure },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'domains-act-through-ports',
      severity: 'error',
      comment:
        'A domain reaches Kubernetes, the table and the queues only through the ports it is given (ports.ts), ' +
        'so they can be unit-tested with the doubles in test/doubles/.',
      from: { path: domains },
      to: { path: [adapters, clients], pathNot: '^lib/store/ports[.]ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'root-files-are-kernel',
      severity: 'error',
      comment: 'A file directly in lib/ is shared vocabulary: list it in kernelFiles, or put it in a folder.',
      from: { path: '^lib/[^/]+[.]ts$', pathNot: `^${kernelFiles}` },
      to: {},
    },
    {
      name: 'commands-only-from-main',
      severity: 'error',
      comment: 'Commands are loaded by lib/cli/main.ts alone, so none reaches another through a helper.',
      from: { path: '^lib/', pathNot: '^lib/cli/(main[.]ts|commands/)' },
      to: { path: '^lib/cli/commands/' },
    },
    {
      name: 'commands-stand-alone',
      severity: 'error',
      comment: 'A CLI command does not import another: share through lib/cli/render/ or a helper module.',
      from: { path: '^lib/cli/commands/([^/]+)[.]ts$' },
      to: { path: '^lib/cli/commands/', pathNot: '^lib/cli/commands/$1[.]ts$' },
    },
    {
      name: 'functions-stand-alone',
      severity: 'error',
      comment: 'Each function is its own Lambda bundle.',
      from: { path: '^functions/([^/]+)[.]ts$' },
      to: { path: '^functions/', pathNot: '^functions/$1[.]ts$' },
    },
    {
      name: 'no-tests-in-code',
      severity: 'error',
      from: { path: '^(lib|functions|events|cdk)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk[.]out|[.]capstan)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
