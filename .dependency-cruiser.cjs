/**
 * The shape of the import graph, checked by `npm run check` (`depcruise`). The layers, from the bottom:
 *
 *   kernel    events/ (the contract), lib/apps/ (the app model), lib/errors.ts, lib/reasons.ts, lib/issues.ts,
 *             lib/topology.ts, lib/config.ts, lib/contract.ts
 *   adapters  lib/kube, lib/store, lib/queue, lib/registry, lib/sources, lib/local: talk to one outside thing each
 *   domains   lib/deploy, lib/fleet, lib/ingest: decisions/ and render/ (pure) and use-cases/ (act through ports)
 *   entries   functions/, lib/lambda, lib/runtime, lib/cli, lib/bench, cdk/: wire adapters into use cases
 *
 * Arrows point down only. A domain's pure folders import no adapter (types aside); its use cases reach
 * Kubernetes and the table only through the ports (lib/kube/gateway.ts, lib/store/ports.ts), never the clients.
 * See lib/README.md.
 */
const kernel = '^(events/|lib/apps/|lib/(errors|reasons|issues|topology|config|contract)[.]ts$)';
const adapters = '^lib/(kube|store|queue|registry|sources|local)/';
const domains = '^lib/(deploy|fleet|ingest)/';
const entries = '^(functions/|cdk/|lib/(lambda|runtime|cli|bench)/)';
const pure = '^lib/[^/]+/(decisions|render)/';
const useCases = '^lib/[^/]+/use-cases/';

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
      to: {
        path: [
          adapters,
          useCases,
          '^node_modules/@(aws-sdk|aws-lambda-powertools|middy)/',
          '^node_modules/@kubernetes/',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'use-cases-act-through-ports',
      severity: 'error',
      comment:
        'Use cases reach Kubernetes, the table and the queues only through the ports they are given (ports.ts), ' +
        'so they can be unit-tested with the doubles in test/doubles/.',
      from: { path: useCases },
      to: {
        path: [adapters, '^node_modules/@(aws-sdk|aws-lambda-powertools|middy)/', '^node_modules/@kubernetes/'],
        pathNot: '^lib/store/ports[.]ts$',
        dependencyTypesNot: ['type-only'],
      },
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
