import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import {
  MIGRATION_ACTOR_ENV,
  MIGRATION_TARGET_DB_ENV,
  type MigrationProgressDto,
  type MigrationResultDto,
  type MigrationStatusDto,
} from '@flotilla/server-node/api';
import type {
  ClusterEntryDto,
  DomainHandlers,
  MigrationPlanDto,
  MigrationPlanInputDto,
  MigrationRunDto,
  MigrationSourceDto,
  MigrationStateDto,
  MigrationWizardStep,
  Push,
} from '../../common/contract.js';
import { INVOKE, PUSH } from '../../common/contract.js';
import { MIGRATION_STEP_TITLES } from '../../common/migration-steps.js';
import { UserError } from '../../common/user-error.js';
import { balancerMember } from '../balancer/balancer-member.js';
import { haproxyFromSettings } from '../balancer/haproxy-from-settings.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import { ClusterHttp } from '../cluster-client/cluster-http.js';
import type { ActiveSession, ClusterSession } from '../clusters/active-session.js';
import { uniqueClusterName, type ClusterStore } from '../clusters/cluster-store.js';
import type { HostsService } from '../hosts/index.js';
import { maskUrl } from '../hosts/provisioning-settings.js';
import { haproxyNodeBalancer } from '../provisioning/index.js';
import { ensureBuiltinBalancer } from './builtin-balancer.js';
import { EmbeddedTarget } from './embedded-target.js';
import type { EngineHost } from './engine-host.js';
import { LocalEngineHost, type ServerNodeCli } from './local-engine-host.js';
import { LocalStandalone, ROOT_UMASK } from './local-standalone.js';
import { engineArgs, needsTarget, stepCommands, type EngineStep } from './migration-commands.js';
import { MigrationLineParser } from './migration-lines.js';
import { eligibility, inProgress, missingPlanStep, stageOf, stepState } from './migration-stage.js';
import type { MigrationStore, StoredMigration } from './migration-store.js';
import { runPeerChecks } from './peer-checks.js';
import { runSmokeTest } from './smoke-test.js';
import { folderSizes, readSourceConfig, type SourceConfig } from './source-inspection.js';
import { SshEngineHost } from './ssh-engine-host.js';
import {
  checkBalancer,
  checkNodes,
  checkPath,
  checkSource,
  checkTargetUrl,
  targetEndpoint,
} from './validate-plan.js';

export interface MigrationServiceOptions {
  configDir: string;
  store: MigrationStore;
  push: Push;
  clusters: ClusterStore;
  session: ActiveSession;
  /** The Hosts view's service: node hosts, remote sources and provisioning; null in a console without it. */
  hosts: HostsService | null;
  /** How this console runs the server node's CLI (the sandbox's settings). */
  server: ServerNodeCli;
}

/** How long a `migrate status` answer is reused (the banner and the wizard ask often). */
const STATUS_TTL_MS = 2000;
const STANDALONE_NAME = 'Local standalone';

interface StatusOutcome {
  status: MigrationStatusDto | null;
  error: string | null;
}

/**
 * The console's side of the HA migration wizard: the plan (in the config folder, the target URL in the
 * vault), the engine's steps run on the source host (a child process here, or over SSH) with their JSON
 * lines read into the engine's DTOs, the new nodes through the provisioning service, and the smoke test
 * through the balancer. Where a migration stands is always read back from the engine's journal.
 */
export class MigrationService {
  private readonly running = new Map<string, MigrationRunDto>();
  private readonly lastRuns = new Map<string, MigrationRunDto>();
  private readonly work = new Set<Promise<void>>();
  private readonly statusCache = new Map<string, { at: number; outcome: Promise<StatusOutcome> }>();
  private readonly localHosts = new Set<LocalEngineHost>();
  private readonly standalone: LocalStandalone;
  private readonly actors = new Map<string, string>();

  constructor(private readonly options: MigrationServiceOptions) {
    this.standalone = new LocalStandalone(options.server, path.join(options.configDir, 'standalone'));
  }

  readonly handlers: DomainHandlers<'migrations'> = {
    [INVOKE.migrations.getState]: () => this.state(this.options.session.require().cluster.id),
    [INVOKE.migrations.startStandalone]: () => this.startStandalone(),
    [INVOKE.migrations.setPlan]: (input) => this.setPlan(input),
    [INVOKE.migrations.inspect]: () => this.inspect(),
    [INVOKE.migrations.startTarget]: () => this.startTarget(),
    [INVOKE.migrations.preflight]: () => this.step('preflight', (id) => this.preflight(id)),
    [INVOKE.migrations.precopy]: () => this.step('precopy', (id) => this.engineStep(id, 'precopy')),
    [INVOKE.migrations.switch]: () => this.step('switch', (id) => this.engineStep(id, 'switch')),
    [INVOKE.migrations.verify]: () => this.step('verify', (id) => this.engineStep(id, 'verify')),
    [INVOKE.migrations.provisionNodes]: () => this.step('provision', (id) => this.provisionNodes(id)),
    [INVOKE.migrations.smokeTest]: () => this.step('smoke', (id) => this.smokeTest(id)),
    [INVOKE.migrations.finalize]: () => this.step('finish', (id) => this.engineStep(id, 'finalize')),
    [INVOKE.migrations.rollback]: ({ force }) =>
      this.step('finish', (id) => this.rollback(id, force === true), { anyStage: true }),
    [INVOKE.migrations.listCommands]: (step) => this.commands(step),
  };

  /** The console starts: targets it started on this machine run again (a cluster may live on one). */
  async start(): Promise<void> {
    for (const [clusterId, stored] of Object.entries(await this.options.store.all())) {
      if (stored.plan.targetEmbedded)
        await this.target(clusterId)
          .start()
          .catch(() => undefined);
    }
  }

  /** The console stops: an engine command still running gets SIGTERM (it lets go of its lock; running it again resumes). */
  async stop(): Promise<void> {
    for (const host of this.localHosts) await host.close();
    await Promise.allSettled([...this.work]);
  }

  /** A cluster removed from the console: what the console kept of its migration goes (the journal on the source stays). */
  forgetCluster(clusterId: string): Promise<void> {
    this.statusCache.delete(clusterId);
    return this.options.store.remove(clusterId);
  }

  /** Resolves once no step runs (tests). */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  // ---- state ----

  async state(clusterId: string): Promise<MigrationStateDto> {
    const entry = await this.options.clusters.get(clusterId);
    const stored = await this.options.store.get(clusterId);
    const { status, error } = await this.status(clusterId, stored.plan);
    const nodesProvisioned = await this.nodesProvisioned(clusterId, stored);
    const { eligible, reason } = eligibility(entry, status);
    return {
      clusterId,
      clusterName: entry.name,
      eligible,
      ineligibleReason: reason,
      plan: stored.plan,
      status,
      statusError: error,
      source: stored.source,
      running: this.running.get(clusterId) ?? null,
      lastRun: this.lastRuns.get(clusterId) ?? null,
      results: stored.results,
      peers: stored.peers,
      provisionActionIds: stored.provisionActionIds,
      smoke: stored.smoke,
      stage: stageOf({ stored, status, nodesProvisioned }),
      inProgress: inProgress(status),
      finalized: status?.journal?.finalized === true,
      error: stored.error,
    };
  }

  private async pushState(clusterId: string): Promise<void> {
    const state = await this.state(clusterId).catch(() => null);
    if (state) this.options.push(PUSH.migrations.state, state);
  }

  /** `migrate status` on the source: the journal, the lock, what the config points at. */
  private status(clusterId: string, plan: MigrationPlanDto, fresh = false): Promise<StatusOutcome> {
    const source = plan.source;
    if (!source) return Promise.resolve({ status: null, error: null });
    const cached = this.statusCache.get(clusterId);
    if (!fresh && cached && Date.now() - cached.at < STATUS_TTL_MS) return cached.outcome;
    const outcome = this.runEngine(clusterId, source, 'status', plan)
      .then((result) => ({ status: result.status ?? null, error: result.ok ? null : result.message }))
      .catch((error: Error) => ({ status: null, error: error.message }));
    this.statusCache.set(clusterId, { at: Date.now(), outcome });
    return outcome;
  }

  private async nodesProvisioned(clusterId: string, stored: StoredMigration): Promise<boolean> {
    const hosts = this.options.hosts;
    if (!hosts) return stored.plan.nodes.length === 0;
    for (const node of stored.plan.nodes) {
      const host = await hosts.getHost(clusterId, node.hostId).catch(() => null);
      if (host?.node?.state !== 'provisioned' || host.node.name !== node.nodeName) return false;
    }
    return true;
  }

  // ---- the local standalone server and the embedded target ----

  private async startStandalone(): Promise<ClusterEntryDto> {
    const { clusters, session } = this.options;
    const info = await this.standalone.start();
    const { clusters: saved } = await clusters.list();
    const existing = saved.find((cluster) => cluster.kind === 'standalone');
    const entry =
      existing ??
      (await clusters.add({
        name: uniqueClusterName(STANDALONE_NAME, saved),
        balancerUrl: info.url,
        apiKey: info.apiKey,
        kind: 'standalone',
      }));
    await this.options.store.update(entry.id, (stored) =>
      stored.plan.source
        ? stored
        : { ...stored, plan: { ...stored.plan, source: { kind: 'local', home: info.home } } },
    );
    await session.activate(entry.id);
    return entry;
  }

  private target(clusterId: string): EmbeddedTarget {
    return new EmbeddedTarget(
      this.options.server,
      path.join(this.options.configDir, 'migrations', clusterId, 'target'),
    );
  }

  private async startTarget(): Promise<MigrationStateDto> {
    const { cluster } = await this.admin();
    const stored = await this.editable(cluster.id, true);
    this.notRunning(cluster.id);
    const url = await this.target(cluster.id).start();
    await this.options.store.setTargetUrl(cluster.id, url);
    await this.savePlan(
      cluster.id,
      stored,
      { ...stored.plan, targetDb: maskUrl(url), targetEmbedded: true },
      true,
    );
    return this.state(cluster.id);
  }

  // ---- the plan ----

  private async setPlan(input: MigrationPlanInputDto): Promise<MigrationStateDto> {
    const { cluster } = await this.admin();
    const moving =
      input.source !== undefined || input.targetDb !== undefined || input.sharedDir !== undefined;
    const stored = await this.editable(cluster.id, moving);
    this.notRunning(cluster.id);
    const plan = { ...stored.plan };
    if (input.source !== undefined) {
      plan.source = checkSource(input.source);
      if (plan.source.kind === 'host') await this.requireHosts().getHost(cluster.id, plan.source.hostId);
    }
    if (input.targetDb !== undefined) {
      const url = checkTargetUrl(input.targetDb);
      await this.options.store.setTargetUrl(cluster.id, url);
      plan.targetDb = maskUrl(url);
      plan.targetEmbedded = false;
    }
    if (input.sharedDir !== undefined) plan.sharedDir = checkPath(input.sharedDir, 'The shared folder');
    if (input.nodes !== undefined) {
      plan.nodes = checkNodes(input.nodes, stored.source?.node ?? null);
      for (const node of plan.nodes) await this.requireHosts().getHost(cluster.id, node.hostId);
    }
    if (input.balancer !== undefined) plan.balancer = checkBalancer(input.balancer);
    const changesChecks = moving || input.nodes !== undefined;
    await this.savePlan(cluster.id, stored, plan, changesChecks);
    if (input.source !== undefined) this.statusCache.delete(cluster.id);
    return this.state(cluster.id);
  }

  /** The plan may change until the switch begins (source, target and share) or until the nodes are provisioned. */
  private async editable(clusterId: string, moving: boolean): Promise<StoredMigration> {
    const stored = await this.options.store.get(clusterId);
    if (moving) {
      const { status } = await this.status(clusterId, stored.plan, true);
      if (inProgress(status) && stepState(status, 'switch') !== 'pending')
        throw new UserError(
          'The switch-over has begun: the source, the target database and the shared folder are fixed now. Roll back first to change them.',
        );
    }
    return stored;
  }

  private async savePlan(
    clusterId: string,
    stored: StoredMigration,
    plan: MigrationPlanDto,
    changesChecks: boolean,
  ) {
    await this.options.store.update(clusterId, (current) => ({
      ...current,
      plan,
      planChangedAt: changesChecks ? new Date().toISOString() : current.planChangedAt,
      peers: changesChecks ? [] : current.peers,
      source: plan.source === stored.plan.source ? current.source : null,
      error: null,
    }));
  }

  private notRunning(clusterId: string): void {
    const run = this.running.get(clusterId);
    if (run)
      throw new UserError(
        `${MIGRATION_STEP_TITLES[run.step]} is running: change the plan once it has finished (one thing at a time).`,
      );
  }

  // ---- running steps ----

  /**
   * Starts a step in the background and answers at once with the state. One step at a time per cluster:
   * the check and the claim happen together after every await, so parallel clicks start one step only.
   */
  private async step(
    step: MigrationWizardStep,
    work: (clusterId: string) => Promise<void>,
    options: { anyStage?: boolean } = {},
  ): Promise<MigrationStateDto> {
    const { cluster } = await this.admin();
    const stored = await this.options.store.get(cluster.id);
    const missing = missingPlanStep(stored);
    if (missing && !options.anyStage)
      throw new UserError(`Complete the plan first: ${MIGRATION_STEP_TITLES[missing]} is not set.`);
    this.notRunningStep(cluster.id, step);
    const run: MigrationRunDto = { step, startedAt: new Date().toISOString(), progress: [] };
    this.running.set(cluster.id, run);
    // The answer (and its push) says the step runs before the work can end: the state pushed at its end
    // is always the last one the UI gets.
    const started = await this.state(cluster.id).catch((error: unknown) => {
      this.running.delete(cluster.id);
      throw error;
    });
    this.options.push(PUSH.migrations.state, started);
    const done = (async () => {
      try {
        await work(cluster.id);
        await this.options.store.update(cluster.id, (current) => ({ ...current, error: null }));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.options.store.update(cluster.id, (current) => ({ ...current, error: { step, message } }));
      } finally {
        this.running.delete(cluster.id);
        this.lastRuns.set(cluster.id, run);
        this.statusCache.delete(cluster.id);
        await this.pushState(cluster.id);
      }
    })();
    this.work.add(done);
    void done.finally(() => this.work.delete(done));
    return started;
  }

  private notRunningStep(clusterId: string, step: MigrationWizardStep): void {
    const run = this.running.get(clusterId);
    if (!run) return;
    throw new UserError(
      run.step === step
        ? `${MIGRATION_STEP_TITLES[step]} is already running (since ${run.startedAt}): it runs once; wait for it here.`
        : `${MIGRATION_STEP_TITLES[run.step]} is running: one step at a time. Wait until it has finished.`,
    );
  }

  /** An engine step whose result is the whole outcome. */
  private async engineStep(
    clusterId: string,
    step: 'precopy' | 'switch' | 'verify' | 'finalize',
  ): Promise<void> {
    const result = await this.engine(clusterId, step);
    await this.saveResult(clusterId, step, result);
    if (!result.ok) throw new UserError(result.message);
  }

  private async saveResult(
    clusterId: string,
    step: keyof MigrationStateDto['results'],
    result: MigrationResultDto,
  ): Promise<void> {
    await this.options.store.update(clusterId, (current) => ({
      ...current,
      results: { ...current.results, [step]: result },
    }));
  }

  private async preflight(clusterId: string): Promise<void> {
    const result = await this.engine(clusterId, 'preflight');
    await this.saveResult(clusterId, 'preflight', result);
    const stored = await this.options.store.get(clusterId);
    const nonce = result.nonce?.value ?? null;
    const url = await this.targetUrl(clusterId);
    const hosts = stored.plan.nodes.length > 0 ? this.requireHosts() : null;
    const peers = await Promise.all(
      stored.plan.nodes.map(async (node) => {
        const host = await hosts!.getHost(clusterId, node.hostId);
        const checks = nonce
          ? await hosts!
              .connect(clusterId, node.hostId)
              .then(async (ssh) => {
                try {
                  return await runPeerChecks(ssh, {
                    sharedDir: stored.plan.sharedDir!,
                    nonce,
                    database: targetEndpoint(url),
                  });
                } finally {
                  await ssh.close();
                }
              })
              .catch((error: Error) => [
                {
                  id: 'host.ssh',
                  title: 'Signed in over SSH',
                  status: 'fail' as const,
                  detail: error.message,
                  fix: 'Check the host in the Hosts view (address, key, credential) and that sshd runs.',
                },
              ])
          : [
              {
                id: 'shared.same-folder',
                title: 'Same folder as the source',
                status: 'fail' as const,
                detail: 'the source could not write its nonce to the shared folder',
                fix: 'Fix the source’s shared-folder checks first.',
              },
            ];
        return {
          hostId: node.hostId,
          address: host.address,
          ok: checks.every((check) => check.status !== 'fail'),
          checks,
        };
      }),
    );
    await this.options.store.update(clusterId, (current) => ({ ...current, peers }));
    const failedPeers = peers.filter((peer) => !peer.ok);
    if (!result.ok) throw new UserError(result.message);
    if (failedPeers.length > 0)
      throw new UserError(
        `Preflight failed on ${failedPeers.map((peer) => peer.address).join(', ')}: ${failedPeers
          .flatMap((peer) =>
            peer.checks
              .filter((check) => check.status === 'fail')
              .map((check) => `${check.title}: ${check.detail}`),
          )
          .join('; ')}.`,
      );
  }

  private async rollback(clusterId: string, force: boolean): Promise<void> {
    const stored = await this.options.store.get(clusterId);
    const result = await this.engine(clusterId, 'rollback', { force });
    await this.saveResult(clusterId, 'rollback', result);
    if (!result.ok) throw new UserError(result.message);
    // The standalone serves on its own again: the console talks to it there, and the built-in balancer goes.
    const source = stored.plan.source!;
    const host = await this.engineHost(clusterId, source);
    try {
      if (stored.plan.balancer?.kind === 'builtin')
        await host.shell(
          `pid=$(cat ${q(`${source.home}/balancer.pid`)} 2>/dev/null) && kill "$pid"; rm -f ${q(`${source.home}/balancer.pid`)}; true`,
        );
      const config = await readSourceConfig(host, source.home);
      const entry = await this.options.clusters.get(clusterId);
      if (config.publicUrl && entry.balancerUrl !== config.publicUrl) {
        await this.options.clusters.update(clusterId, {
          balancerUrl: config.publicUrl,
          nodeUrls: [config.publicUrl],
        });
        if (this.options.session.current?.cluster.id === clusterId)
          await this.options.session.activate(clusterId);
      }
    } finally {
      await host.close();
    }
    await this.options.store.update(clusterId, (current) => ({
      ...current,
      results: { rollback: result },
      peers: [],
      provisionActionIds: [],
      smoke: null,
    }));
  }

  private async provisionNodes(clusterId: string): Promise<void> {
    const { clusters, session } = this.options;
    const stored = await this.options.store.get(clusterId);
    const { plan } = stored;
    const source = plan.source!;
    if (stepState((await this.status(clusterId, plan, true)).status, 'verify') !== 'done')
      throw new UserError('Verify the switch first: new nodes join only a verified cluster.');
    const hosts = this.requireHosts();
    const host = await this.engineHost(clusterId, source);
    let config: SourceConfig;
    try {
      config = await readSourceConfig(host, source.home);
      // 1. The balancer in front of the new cluster, and the console talks to the cluster through it.
      let clusterUrl: string;
      if (plan.balancer!.kind === 'builtin') {
        const { listenHost, port } = plan.balancer!;
        const reach =
          listenHost === '0.0.0.0' || listenHost === '::'
            ? source.kind === 'local'
              ? '127.0.0.1'
              : (await hosts.getHost(clusterId, source.hostId)).address
            : listenHost;
        clusterUrl = `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`;
        await ensureBuiltinBalancer(host, {
          home: source.home,
          listen: { host: listenHost, port },
          url: clusterUrl,
        });
      } else {
        clusterUrl = plan.balancer!.frontendUrl;
        const entry = await clusters.get(clusterId);
        const haproxy = haproxyFromSettings(entry.balancer, (hostId) => hosts.connect(clusterId, hostId));
        if (!haproxy)
          throw new UserError(
            'Choose the cluster’s HAProxy in the Load balancer view’s settings first (on this machine or on a host).',
          );
        await haproxyNodeBalancer(haproxy).addServer(balancerMember(config.name, config.publicUrl));
      }
      const entry = await clusters.get(clusterId);
      if (entry.balancerUrl !== clusterUrl) {
        await clusters.update(clusterId, { balancerUrl: clusterUrl, nodeUrls: [config.publicUrl] });
        await session.activate(clusterId);
      }
    } finally {
      await host.close();
    }
    // 2. What provisioning needs: the new database as the hosts reach it, and the cluster's master key.
    this.requireActive(clusterId);
    await hosts.handlers[INVOKE.hosts.setSettings]({
      dbUrl: await this.targetUrl(clusterId),
      masterKey: config.masterKey,
    });
    // 3. Every planned node not yet provisioned, with the provisioning service (one action per host, in parallel).
    const started: string[] = [];
    for (const node of plan.nodes) {
      const inventory = await hosts.getHost(clusterId, node.hostId);
      if (inventory.node?.state === 'provisioned' && inventory.node.name === node.nodeName) continue;
      this.requireActive(clusterId);
      const action = await hosts.handlers[INVOKE.hosts.provision]({
        hostId: node.hostId,
        nodeName: node.nodeName,
        listenHost: node.listenHost,
        port: node.port,
        publicUrl: node.publicUrl,
        installRoot: node.installRoot,
      });
      started.push(action.id);
    }
    await this.options.store.update(clusterId, (current) => ({
      ...current,
      provisionActionIds: started,
      smoke: null,
    }));
    await this.pushState(clusterId);
    // 4. Done when every action ended; a failed one names its step, reason and fix (run again: it resumes).
    for (;;) {
      const actions = hosts.actionsOf(clusterId).filter((action) => started.includes(action.id));
      if (actions.every((action) => action.state !== 'running')) {
        const failed = actions.filter((action) => action.state === 'failed');
        if (failed.length > 0)
          throw new UserError(
            failed
              .map(
                (action) =>
                  `${action.title} failed at "${action.failure?.step}": ${action.failure?.reason} ${action.failure?.fix ?? ''}`,
              )
              .join(' '),
          );
        return;
      }
      await sleep(500);
    }
  }

  private async smokeTest(clusterId: string): Promise<void> {
    const entry = await this.options.clusters.get(clusterId);
    const apiKey = await this.options.clusters.apiKey(clusterId);
    const cluster = new ClusterApi(
      new ClusterHttp({ balancerUrl: entry.balancerUrl, apiKey, timeoutMs: 30_000 }),
    );
    const checks = await runSmokeTest({
      cluster,
      viaNode: (url) => new ClusterApi(new ClusterHttp({ balancerUrl: url, apiKey, timeoutMs: 30_000 })),
    });
    const ok = checks.every((check) => check.status !== 'fail');
    await this.options.store.update(clusterId, (current) => ({
      ...current,
      smoke: { ok, checks, finishedAt: new Date().toISOString() },
    }));
    if (!ok)
      throw new UserError(
        `The smoke test failed: ${checks
          .filter((check) => check.status === 'fail')
          .map((check) => `${check.title}: ${check.detail}`)
          .join('; ')}.`,
      );
  }

  // ---- the engine ----

  private async engine(
    clusterId: string,
    step: EngineStep,
    extra: { force?: boolean } = {},
  ): Promise<MigrationResultDto> {
    const stored = await this.options.store.get(clusterId);
    if (!stored.plan.source) throw new UserError('Choose the source first.');
    const actor = await this.actor(clusterId);
    return this.runEngine(clusterId, stored.plan.source, step, stored.plan, { ...extra, actor });
  }

  /** Runs one `flotilla-node migrate` command on the source host and returns its result line. */
  private async runEngine(
    clusterId: string,
    source: MigrationSourceDto,
    step: EngineStep,
    plan: MigrationPlanDto,
    extra: { force?: boolean; actor?: string } = {},
  ): Promise<MigrationResultDto> {
    const args = engineArgs(step, {
      home: source.home,
      sharedDir: plan.sharedDir,
      plannedNodes: plan.nodes.length + 1,
      ...(extra.force ? { force: true } : {}),
    });
    const target = needsTarget(step) ? await this.targetUrl(clusterId, step === 'rollback') : null;
    const host = await this.engineHost(clusterId, source);
    try {
      let result: MigrationResultDto | null = null;
      const other: string[] = [];
      const parser = new MigrationLineParser({
        progress: (event) => this.progress(clusterId, event),
        result: (line) => (result = line),
        other: (line) => other.push(line),
      });
      const exit = await host.run({
        args,
        env: extra.actor ? { [MIGRATION_ACTOR_ENV]: extra.actor } : {},
        secrets: target ? { [MIGRATION_TARGET_DB_ENV]: target } : {},
        onStdout: (chunk) => parser.write(chunk),
      });
      parser.end();
      if (result) return result;
      const said = [exit.stderr, ...other.slice(-5)].filter(Boolean).join('\n').trim();
      throw new UserError(
        `flotilla-node migrate ${step} on ${host.where} ended (${exit.code === null ? `signal ${exit.signal}` : `exit code ${exit.code}`}) without a result${said ? `: ${said}` : ''}. Run the step again: the engine resumes from its journal.`,
      );
    } finally {
      await host.close();
      if (host instanceof LocalEngineHost) this.localHosts.delete(host);
    }
  }

  private progress(clusterId: string, event: MigrationProgressDto): void {
    const run = this.running.get(clusterId);
    if (run) run.progress = [...run.progress.filter((other) => other.phase !== event.phase), event];
    this.options.push(PUSH.migrations.progress, { clusterId, event });
  }

  private async engineHost(clusterId: string, source: MigrationSourceDto): Promise<EngineHost> {
    if (source.kind === 'local') {
      // The console's own local standalone as root shares its files with nodes that run as the service user.
      const own = path.resolve(source.home) === path.resolve(this.standalone.home);
      const host = new LocalEngineHost(this.options.server, own ? ROOT_UMASK : undefined);
      this.localHosts.add(host);
      return host;
    }
    const ssh = await this.requireHosts().connect(clusterId, source.hostId);
    return new SshEngineHost(ssh, source.installRoot);
  }

  private async targetUrl(clusterId: string, optional = false): Promise<string> {
    const url = await this.options.store.targetUrl(clusterId);
    if (!url && !optional)
      throw new UserError('Give the target database first (its URL, or start an embedded one).');
    return url ?? '';
  }

  /** Who runs the steps, for the cluster's audit log: the API key's user, through the console. */
  private async actor(clusterId: string): Promise<string> {
    const known = this.actors.get(clusterId);
    if (known) return known;
    const session = this.options.session.current;
    const me = session?.cluster.id === clusterId ? await session.api.me().catch(() => null) : null;
    const actor = `${me?.user.username ?? 'admin'} (console)`;
    this.actors.set(clusterId, actor);
    return actor;
  }

  // ---- inspection and commands ----

  private async inspect(): Promise<MigrationStateDto> {
    const { cluster, api } = await this.admin();
    const stored = await this.options.store.get(cluster.id);
    const source = stored.plan.source;
    if (!source) throw new UserError('Choose where the standalone runs first.');
    const { status, error } = await this.status(cluster.id, stored.plan, true);
    if (!status) throw new UserError(`The source cannot be read: ${error ?? 'no answer'}.`);
    const host = await this.engineHost(cluster.id, source);
    try {
      const config = await readSourceConfig(host, source.home);
      const info = await api.getCluster().catch(() => null);
      // Before the switch the cluster's shared folder is the standalone's own storage.
      const storage = (status.database === 'embedded' ? info?.sharedDir : null) ?? `${source.home}/shared`;
      const [databaseBytes = null, filesBytes = null] = await folderSizes(host, [
        config.dataDir ?? `${source.home}/pgdata`,
        storage,
      ]);
      const node = (await api.listNodes().catch(() => [])).find(
        (candidate) => candidate.name === config.name,
      );
      await this.options.store.update(cluster.id, (current) => ({
        ...current,
        source: {
          node: config.name,
          version: node?.version ?? null,
          database: status.database,
          nodeRunning: status.nodeRunning,
          databaseBytes,
          filesBytes,
          runningTasks: node?.runningTasks ?? null,
          queuedTasks: info?.queue.queued ?? null,
          checkedAt: new Date().toISOString(),
        },
      }));
    } finally {
      await host.close();
    }
    return this.state(cluster.id);
  }

  private async commands(step: MigrationWizardStep) {
    const { cluster } = await this.admin();
    const stored = await this.options.store.get(cluster.id);
    const { plan } = stored;
    const hosts = this.options.hosts;
    const describe = async (hostId: string) => {
      const host = await hosts?.getHost(cluster.id, hostId).catch(() => null);
      return host ? `${host.username}@${host.address}:${host.sshPort}` : `host ${hostId}`;
    };
    const source =
      plan.source?.kind === 'local'
        ? { where: 'this machine', cli: new LocalEngineHost(this.options.server).cli }
        : plan.source
          ? {
              where: await describe(plan.source.hostId),
              cli: [
                `${plan.source.installRoot}/current/node/bin/node`,
                `${plan.source.installRoot}/current/server/flotilla-node.mjs`,
              ],
            }
          : null;
    const url = await this.options.store.targetUrl(cluster.id);
    return stepCommands(step, {
      plan,
      source,
      nodeHosts: await Promise.all(
        plan.nodes.map(async (node) => ({
          hostId: node.hostId,
          where: `${await describe(node.hostId)} (${node.nodeName})`,
          address: (await hosts?.getHost(cluster.id, node.hostId).catch(() => null))?.address ?? '',
        })),
      ),
      nonce: stored.results.preflight?.nonce?.value ?? null,
      database: url ? targetEndpoint(url) : null,
      clusterUrl: cluster.balancerUrl,
    });
  }

  // ---- guards ----

  private async admin(): Promise<ClusterSession> {
    const { session } = this.options;
    return session.requireRole(session.require(), 'migrations.run');
  }

  private requireHosts(): HostsService {
    if (!this.options.hosts)
      throw new UserError('Node hosts and remote sources need the Hosts view, which this console lacks.');
    return this.options.hosts;
  }

  /** Provisioning works on the active cluster: it must still be this one. */
  private requireActive(clusterId: string): void {
    if (this.options.session.current?.cluster.id !== clusterId)
      throw new UserError(
        'Another cluster was selected meanwhile: select the migrated cluster again and run this step again.',
      );
  }
}
