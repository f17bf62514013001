import { Command, CommanderError, Option } from 'commander';
import { InvalidInputError } from '../errors.ts';
import { HEAL_MODES, port, releaseNumber, wholeNumber } from './args.ts';

// Commands are loaded when run, so `--help` and quick commands never load the Kubernetes or AWS clients.
const commands = {
  access: () => import('./commands/access.ts'),
  apps: () => import('./commands/apps.ts'),
  approvals: () => import('./commands/approvals.ts'),
  env: () => import('./commands/env.ts'),
  promote: () => import('./commands/promote.ts'),
  rbd: () => import('./commands/rbd.ts'),
  status: () => import('./commands/status.ts'),
  bench: () => import('./commands/bench.ts'),
  clusters: () => import('./commands/clusters.ts'),
  demo: () => import('./commands/demo.ts'),
  dashboard: () => import('./commands/dashboard.ts'),
  heal: () => import('./commands/heal.ts'),
  history: () => import('./commands/history.ts'),
  hooks: () => import('./commands/hooks.ts'),
  install: () => import('./commands/install.ts'),
  nodes: () => import('./commands/nodes.ts'),
  rbac: () => import('./commands/rbac.ts'),
  releases: () => import('./commands/releases.ts'),
  scale: () => import('./commands/scale.ts'),
  send: () => import('./commands/send.ts'),
  up: () => import('./commands/up.ts'),
};

const out = (line: string) => process.stdout.write(`${line}\n`);

/** How a cluster or an environment heals lost nodes (lib/heal/decisions/mode.ts). */
const healModeOption = (whose: string, byDefault: string) =>
  new Option(
    '--heal-mode <mode>',
    `how ${whose} a lost node: observe (record only), approve (wait for \`capstan heal approve\`) or auto (fence it); default: ${byDefault}`,
  ).choices(HEAL_MODES);

const program = new Command('capstan')
  .description('Event-driven control plane for fleets of Kubernetes clusters')
  .showHelpAfterError()
  // Commander's usage errors are thrown to the catch below (subcommands inherit this), for exit code 2.
  .exitOverride()
  .configureHelp({ sortSubcommands: false });

program
  .command('up')
  .description('run capstan locally: emulators (unless AWS_ENDPOINT_URL_* are set), clusters, queues, HTTP edge')
  .addOption(
    new Option('--clusters <n>', 'local clusters to start when no --context is given, 1-10')
      .default(2)
      .argParser(wholeNumber(1, 10)),
  )
  .option('--context <name...>', 'register these kubeconfig contexts instead of starting local clusters', [])
  .option('--kubeconfig <path>', 'kubeconfig holding the --context entries (default $KUBECONFIG or ~/.kube/config)')
  .option('--environment <env>', 'environment the clusters belong to', 'staging')
  .addOption(
    new Option('--port <port>', 'HTTP port of the webhook edge, 0-65535 (0 = any free port)')
      .default(8787)
      .argParser(port),
  )
  .option('--prefix <prefix>', 'name prefix of the table and queues', 'capstan')
  .option(
    '--data-dir <dir>',
    'keep the table, queues (messages too) and local clusters here between runs (default .capstan/data/<prefix>)',
  )
  .option('--ephemeral', 'keep nothing: emulators in memory, clusters in a temporary folder removed on stop')
  .addHelpText(
    'after',
    '\nState survives Ctrl-C and crashes: run `capstan up` again on the same data dir to carry on. Wipe it with\n' +
      '`rm -rf .capstan/data/<prefix>` while capstan is stopped. DynamoDB Local, ElasticMQ and the clusters listen\n' +
      'on 127.0.0.1 only.',
  )
  .action(async (o) => (await commands.up()).upCommand(o));

program
  .command('send')
  .description('validate an event file and send it to capstan (POST /events)')
  .argument('<event.json>', 'a CloudEvents-shaped capstan event, see events/samples/')
  .option('--url <url>', 'capstan HTTP endpoint (default: the local `capstan up`)')
  .option('--token <token>', 'ingest bearer token (default: $CAPSTAN_INGEST_TOKEN or the local runtime)')
  .option('--validate-only', 'check the event against the contract and stop')
  .action(async (file, o) => (await commands.send()).send(file, o, out));

const clusters = program.command('clusters').description('registered clusters');
clusters
  .command('list')
  .description('list registered clusters with their environment, wave, heal mode and last health probe')
  .option('--json', 'machine-readable output')
  .action(async (o) => (await commands.clusters()).listClustersCommand(o, out));
clusters
  .command('add')
  .description('register a cluster by reference to its credentials (never the credentials themselves)')
  .argument('<name>', 'cluster name (DNS-1123 label)')
  .requiredOption('--environment <env>', 'environment the cluster serves, e.g. staging or production')
  .addOption(
    new Option('--wave <n>', 'release wave within the environment, 0-9999 (lower goes first)')
      .default(0)
      .argParser(wholeNumber(0, 9999)),
  )
  .option('--context <name>', 'kubeconfig context (local or self-managed credentials)')
  .option('--kubeconfig <path>', 'kubeconfig file holding --context')
  .option('--secret <arn>', 'Secrets Manager secret holding a kubeconfig (on AWS)')
  .addOption(healModeOption('the cluster heals', "its environment's mode"))
  .option('--ceph-restful <url>', "free RBD images through Ceph itself: the manager's restful module URL")
  .option('--ceph-credentials <path>', 'with --ceph-restful: a local JSON file of the restful and cephx keys')
  .option('--ceph-secret <id-or-arn>', 'with --ceph-restful: a Secrets Manager secret (capstan/clusters/…) holding it')
  .addOption(
    new Option('--blocklist-expire <seconds>', "with --ceph-restful: how long a lost node's blocklist entry lasts")
      .default(undefined, '30 days')
      .argParser(wholeNumber(1, 10 * 365 * 24 * 3600)),
  )
  .option('--network-fence-class <name>', 'free RBD images through csi-addons: the NetworkFenceClass to use')
  .option('--network-fence-driver <driver>', 'or the CSI driver a NetworkFence names, e.g. rbd.csi.ceph.com')
  .option('--network-fence-secret <ns/name>', "with --network-fence-driver: the Secret of the driver's Ceph user")
  .addHelpText(
    'after',
    '\nAdding a registered cluster again replaces its registration: wave, credentials, heal mode and freeing.\n' +
      'An RBD image a lost node held is freed only on a cluster given the Ceph flags or the NetworkFence ones\n' +
      '(one way per cluster); the Ceph credentials file is checked when the cluster is added, its keys never shown.',
  )
  .action(async (name, o) => (await commands.clusters()).addClusterCommand(name, o, out));

const apps = program.command('apps').description('apps capstan releases, and what they track');
apps
  .command('add')
  .description('register an app from a YAML or JSON spec, or update it (see lib/apps/examples/hello.yaml)')
  .argument('<file>', 'app spec: name, namespace, containers, QoS tier, replicas, environments')
  .option('--dry-run', 'validate the file and stop')
  .action(async (file, o) => (await commands.apps()).addAppCommand(file, o, out));
apps
  .command('list')
  .description('list registered apps')
  .option('--json', 'machine-readable output')
  .action(async (o) => (await commands.apps()).listAppsCommand(o, out));
apps
  .command('show')
  .description("print an app's registered spec")
  .argument('<name>', 'app name')
  .option('--json', 'machine-readable output')
  .action(async (name, o) => (await commands.apps()).showAppCommand(name, o, out));
apps
  .command('remove')
  .description('unregister an app: pushes stop releasing it; clusters, releases and history are left as they are')
  .argument('<name>', 'app name')
  .action(async (name) => (await commands.apps()).removeAppCommand(name, out));

const envs = program.command('env').description('environments: protected ones take production rules');
envs
  .command('set')
  .description(
    'mark an environment protected (pinned digest, 3+ replicas, probes, limits, QoS, quota) or not, and how its clusters heal',
  )
  .argument('<name>', 'environment name')
  .option('--protected', 'production rules apply')
  .option('--unprotected', 'production rules do not apply')
  .addOption(healModeOption('its clusters heal', 'approve where protected, auto elsewhere'))
  .option(
    '--notify-channel <id>',
    'Slack channel id (C…) told of healing and scaling here (a node fenced or restored, an image freed, a ceiling raised or put back); "none" stops it',
  )
  .addHelpText(
    'after',
    "\nA setting not given keeps its value. A cluster's own --heal-mode (clusters add) comes first. An app's own\n" +
      "notify.slack.channel is told of scaling its workloads instead of the environment's channel.",
  )
  .action(async (name, o) => (await commands.env()).setEnvCommand(name, o, out));
envs
  .command('list')
  .description('environments set explicitly (unset ones named like production are protected)')
  .option('--json', 'machine-readable output')
  .action(async (o) => (await commands.env()).listEnvCommand(o, out));

program
  .command('nodes')
  .description(
    "every node of every registered cluster, read live: Ready, lease, cordon, taints, capstan's verdict and heal",
  )
  .option('--cluster <name>', 'only this cluster')
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    '\nThe verdict is what healing would decide on this read (CAPSTAN_HEAL_* thresholds): ok, lost, or the code\n' +
      'that says why not (README "Reasons"). A cluster that does not answer is one line; exit 1 only when none did.',
  )
  .action(async (o) => (await commands.nodes()).nodesCommand(o, out));

const heal = program
  .command('heal')
  .description('heals of lost nodes and the RBD images they held: list, show, approve, cancel');
heal
  .command('list')
  .description(
    'active heals (suspected, awaiting approval, fencing, fenced, recovering) by cluster and node, then images being freed',
  )
  .option('--cluster <name>', 'only this cluster')
  .option('--all', 'restored and cancelled heals too, and images freed or refused')
  .option('--json', 'machine-readable output: {nodes, images}')
  .action(async (o) => (await commands.heal()).listHealsCommand(o, out));
heal
  .command('show')
  .description("one node's heal (or one RBD image's freeing) with every step's time, and its history")
  .argument('<cluster>', 'cluster name')
  .argument('<node|pool/image>', 'node name, or an RBD image as pool/image')
  .addOption(
    new Option('--limit <n>', 'at most this many history entries, 1-1000').default(50).argParser(wholeNumber(1, 1000)),
  )
  .option('--json', 'machine-readable output')
  .action(async (cluster, node, o) => (await commands.heal()).showHealCommand(cluster, node, o, out));
heal
  .command('approve')
  .description('let a heal waiting for approval fence its node (cordon, out-of-service taint) now')
  .argument('<cluster>', 'cluster name')
  .argument('<node>', 'node name')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nRecorded as approved by $CAPSTAN_ACTOR, else the OS user. Approving twice changes nothing.')
  .action(async (cluster, node, o) => (await commands.heal()).approveHealCommand(cluster, node, o, out));
heal
  .command('cancel')
  .description('stop a heal that has done nothing on the cluster yet (suspected or awaiting approval)')
  .argument('<cluster>', 'cluster name')
  .argument('<node>', 'node name')
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    "\nA node capstan is fencing or has fenced is not cancelled: it is restored (taint removed, capstan's cordon\n" +
      'undone) when it returns.',
  )
  .action(async (cluster, node, o) => (await commands.heal()).cancelHealCommand(cluster, node, o, out));

const rbd = program.command('rbd').description('RBD images of Ceph, as capstan sees them');
rbd
  .command('status')
  .description(
    "one RBD image read live: Ceph's watchers, locks and blocklist (or the holder's NetworkFence), the holder node, capstan's verdict",
  )
  .argument('<cluster>', 'cluster name')
  .argument('<pool/image>', 'the image, as rbd names it')
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    '\nReads only. The verdict is what healing would decide on this read (CAPSTAN_HEAL_* settings of this shell):\n' +
      'free (the holder\'s addresses to block) or the code that says why not (README "Reasons"). Ceph is read only\n' +
      'on a cluster that frees images through it (clusters add --ceph-restful); through csi-addons, the NetworkFence is.',
  )
  .action(async (cluster, image, o) => (await commands.rbd()).rbdStatusCommand(cluster, image, o, out));

const dashboard = program
  .command('dashboard')
  .description('the web dashboard: one-time sign-in links, the session key');
dashboard
  .command('link')
  .description('a one-time link that signs the person at this terminal into the dashboard (10 minutes, once)')
  .option('--url <url>', 'the API base URL of a deployed stack (default: the local `capstan up`)')
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    '\nThe link is printed, never stored: the table keeps its SHA-256 digest. Opening it shows who it signs in\n' +
      '(a preview spends nothing); its Sign in button sets an HttpOnly, SameSite=Strict session cookie for 12\n' +
      'hours and opens the fleet (the pages and /api/* then answer). Anyone who can run the CLI against the\n' +
      'table can make one. On AWS, people of let-in Slack workspaces can also sign in with Slack (README).',
  )
  .action(async (o) => (await commands.dashboard()).dashboardLinkCommand(o, out));
dashboard
  .command('rotate-key')
  .description('sign everyone out of the dashboard: sessions are signed with a new key (within a minute)')
  .option('--json', 'machine-readable output')
  .action(async (o) => (await commands.dashboard()).rotateKeyCommand(o, out));

program
  .command('hooks')
  .description(
    "each registry's webhook URL and its own secret, Alertmanager's receiver, CI's deploy route (no secret: the job's OIDC token), each cluster's kubernetes-event-exporter config and each GitLab project's pipeline webhook, to paste",
  )
  .option('--url <url>', 'the API base URL of a deployed stack (default: the local `capstan up`)')
  .option('--cluster <name>', "only this cluster's kubernetes-event-exporter config (registered or not)")
  .option('--gitlab-project <id>', "only this GitLab project's pipeline webhook (its numeric project ID)")
  .option('--json', 'machine-readable output')
  .action(async (o) => (await commands.hooks()).hooksCommand(o, out));

program
  .command('status')
  .description('what runs where: per cluster, the release applied and what the cluster says now (exit 3 if unhealthy)')
  .argument('<app>', 'app name')
  .option('--env <env>', 'only this environment (required for an app that is not registered)')
  .option('--json', 'machine-readable output')
  .action(async (app, o) => (await commands.status()).statusCommand(app, o, out));

program
  .command('promote')
  .description("release what succeeded in one environment (every container's image, by digest) to another")
  .argument('<app>', 'app name (registered)')
  .requiredOption('--from <env>', 'environment whose newest successful release is promoted')
  .requiredOption('--to <env>', 'environment to release it to')
  .option('--reason <text>', 'why, for the history')
  .option('--url <url>', 'capstan HTTP endpoint (default: the local `capstan up`)')
  .option('--token <token>', 'ingest bearer token (default: $CAPSTAN_INGEST_TOKEN or the local runtime)')
  .action(async (app, o) => (await commands.promote()).promoteCommand(app, o, out));

program
  .command('approve')
  .description(
    "approve the environment's open release approval (a deploy request, or a push into an environment that does not deploy by itself)",
  )
  .argument('<app>', 'app name')
  .requiredOption('--env <env>', 'environment')
  .option('--request <id>', 'the release approval to vote on, when several are open (see `capstan approvals`)')
  .option('--reason <text>', 'a comment, for the approval and its chat message')
  .option('--url <url>', 'capstan HTTP endpoint (default: the local `capstan up`)')
  .option('--token <token>', 'ingest bearer token (default: $CAPSTAN_INGEST_TOKEN or the local runtime)')
  .addHelpText(
    'after',
    "\nVotes as $CAPSTAN_ACTOR, else the OS user. The requester's own vote and a repeat do not count.",
  )
  .action(async (app, o) => (await commands.approvals()).approveCommand(app, o, out));

program
  .command('reject')
  .description("reject the environment's open release approval: one reject ends it")
  .argument('<app>', 'app name')
  .requiredOption('--env <env>', 'environment')
  .option('--request <id>', 'the release approval to reject, when several are open (see `capstan approvals`)')
  .option('--reason <text>', 'why, for the approval and its chat message')
  .option('--url <url>', 'capstan HTTP endpoint (default: the local `capstan up`)')
  .option('--token <token>', 'ingest bearer token (default: $CAPSTAN_INGEST_TOKEN or the local runtime)')
  .addHelpText('after', '\nVotes as $CAPSTAN_ACTOR, else the OS user.')
  .action(async (app, o) => (await commands.approvals()).rejectCommand(app, o, out));

program
  .command('approvals')
  .description('release approvals of an app: the open ones and the recent ones, who asked, the votes, when due')
  .argument('<app>', 'app name (registered)')
  .option('--env <env>', 'only this environment')
  .option('--json', 'machine-readable output (README "Approvals")')
  .action(async (app, o) => (await commands.approvals()).approvalsCommand(app, o, out));

program
  .command('history')
  .description("an app's history: every event and action with its outcome, newest first")
  .argument('<app>', 'app name')
  .option('--env <env>', 'only this environment')
  .option('--cluster <name>', 'only this cluster')
  .option('--action <action>', 'only this action, or a family of them: `scale` is scale.raise, scale.hold, ...')
  .option('--outcome <outcome>', 'only this outcome: succeeded, failed, refused, skipped, configured, ...')
  .option('--since <time>', 'only events received at or after this time (2026-12-01T10:00:00Z, or a date)')
  .option('--until <time>', 'only events received at or before this time')
  .addOption(new Option('--limit <n>', 'at most this many entries, 1-1000').default(50).argParser(wholeNumber(1, 1000)))
  .option('--json', 'machine-readable output')
  .action(async (app, o) => (await commands.history()).history(app, o, out));

program
  .command('scale')
  .description(
    "an app's autoscaling per cluster: the spec, capstan's override and the live HPA; or set or revert a manual override",
  )
  .argument('<app>', 'app name (registered, with autoscaling in --env)')
  .requiredOption('--env <env>', 'environment')
  .option('--cluster <name>', 'only this cluster (required with --max and --revert)')
  .addOption(
    new Option(
      '--max <n>',
      "set the ceiling (the HPA's maxReplicas; replicas without an HPA), 1 to the spec's burstMax",
    )
      .argParser(wholeNumber(1, 1000))
      .conflicts('revert'),
  )
  .option('--for <duration>', "with --max: how long, e.g. 90s, 5m, 1h (1m to a week; default the spec's burstFor)")
  .option('--revert', "put the spec's ceiling back now")
  .option('--url <url>', 'capstan HTTP endpoint for --max/--revert (default: the local `capstan up`)')
  .option('--token <token>', 'ingest bearer token (default: $CAPSTAN_INGEST_TOKEN or the local runtime)')
  .option('--json', 'machine-readable output (README "capstan scale"); with --max/--revert: {eventId, queue}')
  .addHelpText(
    'after',
    '\nExamples:\n' +
      '  capstan scale web --env production                          every cluster of production\n' +
      '  capstan scale web --env production --cluster eu-1 --json\n' +
      '  capstan scale web --env production --cluster eu-1 --max 12 --for 1h\n' +
      '  capstan scale web --env production --cluster eu-1 --revert\n' +
      "\nA set or revert is a scale.requested event, applied by capstan under the workload's lease within the same\n" +
      "bounds as an alert's raise (burstMax, the namespace's quota) and not held back by the cooldown; follow it\n" +
      'with `capstan scale` or `capstan history <app> --action scale`. Recorded as requested by $CAPSTAN_ACTOR,\n' +
      'else the OS user. A cluster that does not answer is shown as unreachable; exit 1 only when none did.',
  )
  .action(async (app, o) => (await commands.scale()).scaleCommand(app, o, out));

program
  .command('releases')
  .description("an app's releases, newest first: environment, status, image, clusters")
  .argument('<app>', 'app name')
  .option('--env <env>', 'only this environment (default: all)')
  .addOption(
    new Option('--limit <n>', 'at most this many releases, 1-1000').default(20).argParser(wholeNumber(1, 1000)),
  )
  .option('--json', 'machine-readable output')
  .action(async (app, o) => (await commands.releases()).releasesCommand(app, o, out));

program
  .command('rollback')
  .description('release a past release again, exactly as it was applied (default: the last one that succeeded)')
  .argument('<app>', 'app name')
  .requiredOption('--env <env>', 'environment')
  .addOption(new Option('--to <release>', 'release number to bring back, e.g. 3 or #3').argParser(releaseNumber))
  .option('--reason <text>', 'why, for the history')
  .option('--url <url>', 'capstan HTTP endpoint (default: the local `capstan up`)')
  .option('--token <token>', 'ingest bearer token (default: $CAPSTAN_INGEST_TOKEN or the local runtime)')
  .action(async (app, o) => (await commands.releases()).rollbackCommand(app, o, out));

const access = program
  .command('access')
  .description('who may do what from chat: workspaces let in, roles per environment, channels commands come from');
const accessHelp =
  '\nSubjects: slack:<workspace>/<user> (Slack: enterprise_id, else team_id), mattermost:<team>/<user>, cli:<user>,\n' +
  'slack-group:<workspace>/<group> (a Slack user group, S…), mattermost-group:<team>/<group>.\n' +
  'Roles: request (deploy), approve, rollback, scale. Recorded as by $CAPSTAN_ACTOR, else the OS user;\n' +
  'doing it twice keeps the first record, revoking what is not there says "nothing to revoke".';
const workspaces = access.command('workspace').description('chat workspaces whose people may be let in');
workspaces
  .command('allow')
  .description('let people of a chat workspace in (they still need a role)')
  .argument('<chat>', 'slack, mattermost or teams (Teams only reads: status, history)')
  .argument(
    '<workspace>',
    'Slack: the enterprise id of a grid, else the team id (T…); Mattermost: the team id; Teams: the tenant id',
  )
  .option('--name <text>', 'a name for people to read')
  .option('--json', 'machine-readable output')
  .addHelpText('after', accessHelp)
  .action(async (chat, ws, o) => (await commands.access()).allowWorkspaceCommand(chat, ws, o, out));
workspaces
  .command('revoke')
  .description('stop letting people of a chat workspace in')
  .argument('<chat>', 'slack, mattermost or teams')
  .argument('<workspace>', 'the workspace id')
  .option('--json', 'machine-readable output')
  .action(async (chat, ws, o) => (await commands.access()).revokeWorkspaceCommand(chat, ws, o, out));
access
  .command('grant')
  .description('grant a role in an environment to a person or a chat user group')
  .argument('<env>', 'environment')
  .argument('<role>', 'request, approve, rollback or scale')
  .argument('<subject>', 'slack:T1/U1, mattermost:team/user, cli:alice, slack-group:T1/S123')
  .option('--json', 'machine-readable output')
  .addHelpText('after', accessHelp)
  .action(async (env, role, subject, o) => (await commands.access()).grantCommand(env, role, subject, o, out));
access
  .command('revoke')
  .description('revoke a role in an environment from a person or a chat user group')
  .argument('<env>', 'environment')
  .argument('<role>', 'request, approve, rollback or scale')
  .argument('<subject>', 'as given to grant')
  .option('--json', 'machine-readable output')
  .addHelpText('after', accessHelp)
  .action(async (env, role, subject, o) => (await commands.access()).revokeCommand(env, role, subject, o, out));
const channels = access.command('channel').description("the chat channels an environment's commands may come from");
channels
  .command('allow')
  .description('let chat commands for an environment come from a channel (none allowed: none come)')
  .argument('<env>', 'environment')
  .argument('<chat>', 'slack or mattermost')
  .argument('<workspace>', 'the workspace id')
  .argument('<channel>', 'the channel id (C…)')
  .option('--json', 'machine-readable output')
  .action(async (env, chat, ws, ch, o) => (await commands.access()).allowChannelCommand(env, chat, ws, ch, o, out));
channels
  .command('revoke')
  .description("stop taking an environment's chat commands from a channel")
  .argument('<env>', 'environment')
  .argument('<chat>', 'slack or mattermost')
  .argument('<workspace>', 'the workspace id')
  .argument('<channel>', 'the channel id')
  .option('--json', 'machine-readable output')
  .action(async (env, chat, ws, ch, o) => (await commands.access()).revokeChannelCommand(env, chat, ws, ch, o, out));
access
  .command('list')
  .description('workspaces let in, then roles and channels per environment, with who gave them and when')
  .option('--env <env>', "only this environment's roles and channels (workspaces are for all)")
  .option('--json', 'machine-readable output: {workspaces, grants, channels}')
  .action(async (o) => (await commands.access()).listAccessCommand(o, out));
access
  .command('check')
  .description('whether a person may take a role in an environment now, as the chat edge decides it')
  .argument('<env>', 'environment')
  .argument('<role>', 'request, approve, rollback or scale')
  .argument('<principal>', 'slack:T1/U1, mattermost:team/user, cli:alice or token')
  .option('--channel <id>', 'the channel the command would come from')
  .option('--group <id...>', "the chat user groups the person belongs to (the chat's ids, S…)")
  .option('--json', 'machine-readable output: {allowed, code?, reason?}')
  .addHelpText(
    'after',
    '\nExit 1 when refused. CLI, CI and ingest-token requesters are always allowed: roles govern chat.',
  )
  .action(async (env, role, principal, o) =>
    (await commands.access()).checkAccessCommand(env, role, principal, o, out),
  );

program
  .command('rbac')
  .description(
    "print the least-privilege ServiceAccount, ClusterRole, Node-Lease Role and bindings for capstan's identity in a cluster",
  )
  .option('--namespace <ns>', 'namespace of the ServiceAccount', 'capstan-system')
  .action(async (o) => (await commands.rbac()).rbacCommand(o, out));

program
  .command('bench')
  .description('measure releases through capstan next to a bare client on local clusters, and print the figures')
  .addOption(new Option('--clusters <n>', 'local clusters, 1-10').default(2).argParser(wholeNumber(1, 10)))
  .addOption(
    new Option('--samples <n>', 'releases timed one at a time, per path, 1-1000')
      .default(20)
      .argParser(wholeNumber(1, 1000)),
  )
  .addOption(
    new Option('--burst <n>', 'releases sent at once for throughput, 1-1000')
      .default(30)
      .argParser(wholeNumber(1, 1000)),
  )
  .action(async (o) => (await commands.bench()).benchCommand(o));

program
  .command('install')
  .description('build or fetch the local components (Kubernetes, etcd, kwok, DynamoDB Local, ElasticMQ) into the cache')
  .action(async () => (await commands.install()).installCommand());

program
  .command('demo')
  .description(
    'bring everything up, push two images of the example app to a local registry and watch each release to two clusters, roll back, print status and history, shut down',
  )
  .addOption(
    new Option('--timeout <seconds>', 'give up waiting for the rollout after this long, 1-3600')
      .default(300)
      .argParser(wholeNumber(1, 3600)),
  )
  .option('--keep', 'keep everything (and the dashboard) running after the demo, until Ctrl-C')
  .action(async (o) => (await commands.demo()).demoCommand(o));

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // A usage error (a bad number, an unknown option, a missing argument): commander has printed it and the
    // help. It exits 1 on its own; 2 says, as for any refused input, that nothing was done. `--help` is 0.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    // Several problems at once (a spec file with three mistakes) read best one per line.
    const message =
      error instanceof InvalidInputError && error.issues.length > 1
        ? `${error.summary}:\n${error.issues.map((i) => `  - ${i}`).join('\n')}`
        : error instanceof Error
          ? error.message
          : String(error);
    process.stderr.write(`capstan: ${message}\n`);
    // 2: the input was refused (nothing was done); 1: anything else went wrong.
    process.exitCode = error instanceof InvalidInputError ? 2 : 1;
  }
}
