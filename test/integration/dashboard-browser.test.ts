import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeState } from '../../lib/runtime/state.ts';
import type { Runtime } from '../../lib/runtime/up.ts';
import { putApp } from '../../lib/store/apps.ts';
import { createDb, type Db } from '../../lib/store/db.ts';
import { listReleases, type Release } from '../../lib/store/releases.ts';
import { registryApp } from '../support/apps.ts';
import { uniqueName } from '../support/aws.ts';
import { launchBrowser } from '../support/browser.ts';
import { connect, eventually, localClusters } from '../support/kube.ts';
import { postDeployRequest, startTestRuntime } from '../support/runtime.ts';

// Issue 14's acceptance in a real browser: Debian's headless Chromium on the dashboard the real runtime
// serves (the function behind the local edge with exactly its stack grants), releases going out to both
// local clusters for real. Nothing of the page is stubbed: what a person sees is what is asserted.
// The page's globals as the callbacks that run in Chromium use them (the project compiles without the DOM library).
interface PageElement {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  readonly body: unknown;
};
declare const window: { seen?: Record<string, string[]>; sameDocument?: boolean };
declare const location: { readonly href: string };
declare const MutationObserver: new (f: () => void) => { observe(target: unknown, o: object): void };
declare const getComputedStyle: (e: unknown) => { readonly borderLeftColor: string };

let runtime: Runtime;
let db: Db;
let browser: Browser;
let stateFile: string;
const app = uniqueName('view');
const clusters = localClusters();
const bin = join(import.meta.dirname, '../../lib/cli/bin.js');
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const image = (tag: string, c: string) => `registry.local:5000/acme/${app}:${tag}@${digest(c)}`;

const capstan = async (...args: string[]) =>
  (
    await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, CAPSTAN_STATE: stateFile, CAPSTAN_ACTOR: 'browser.test' },
    })
  ).stdout;

const settled = (revision: number, timeoutMs = 120_000) =>
  eventually(
    `release #${revision} to settle`,
    async () => {
      const found = (await listReleases(db, app, 'staging')).find((r) => r.revision === revision);
      return found && (found.status === 'succeeded' || found.status === 'failed') ? found : undefined;
    },
    timeoutMs,
  );

/** Every Deployment of the app waits `seconds` before a new pod counts as available: rollouts visibly take time. */
const slowRollouts = async (seconds: number) => {
  for (const c of clusters) {
    const kube = await connect(c);
    await kube.apps.patchNamespacedDeployment(
      { name: app, namespace: app, body: { spec: { minReadySeconds: seconds } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
};

beforeAll(async () => {
  browser = await launchBrowser();
  runtime = await startTestRuntime('browser');
  db = createDb(runtime.state.table);
  stateFile = join(runtime.workDir, 'runtime.json');
  await writeState(runtime.state, stateFile);
  await putApp(db, registryApp(app, { staging: {} }), new Date());
}, 300_000);

afterAll(async () => {
  await browser?.close();
  for (const c of clusters) {
    const kube = await connect(c);
    await kube.core.deleteNamespace({ name: app }).catch(() => undefined);
  }
  await runtime?.stop();
}, 120_000);

const url = (path: string) => `${runtime.state.httpUrl}${path}`;
const REPLICAS = '#release-staging-2 .wave-cluster .replicas';

/** What a person does with the link `capstan dashboard link` prints: open it, press the button. */
const signIn = async (page: Page) => {
  const { url: link } = JSON.parse(await capstan('dashboard', 'link', '--json')) as { url: string };
  await page.goto(link);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
};

/** The states a selector's `data-state` took on the page, recorded by the page itself as they change. */
const watchStates = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const seen: string[] = [];
    window.seen ??= {};
    window.seen[sel] = seen;
    const look = () => {
      const state = document.querySelector(sel)?.getAttribute('data-state') ?? 'absent';
      if (seen.at(-1) !== state) seen.push(state);
    };
    look();
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
  }, selector);
/** Every text the elements matching a selector showed, recorded by the page as it changes. */
const watchTexts = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const seen: string[] = [];
    window.seen ??= {};
    window.seen[sel] = seen;
    const look = () => {
      for (const e of document.querySelectorAll(sel)) {
        const text = (e.textContent ?? '').trim();
        if (!seen.includes(text)) seen.push(text);
      }
    };
    look();
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
  }, selector);
const statesSeen = (page: Page, selector: string) => page.evaluate((sel) => window.seen?.[sel] ?? [], selector);

describe('the dashboard in a browser', () => {
  let page: Page;
  let first: Release;

  it('an unauthenticated browser gets 401 and nothing of the fleet, page or API', async () => {
    await postDeployRequest(runtime, { app, environment: 'staging', image: image('1.0.0', 'a') });
    first = await settled(1);
    expect(first.status).toBe('succeeded');
    const anonymous = await browser.createBrowserContext();
    const stranger = await anonymous.newPage();
    for (const path of ['/', `/apps/${app}`, '/api/fleet', `/api/apps/${app}`, `/api/history?app=${app}`]) {
      const res = await stranger.goto(url(path));
      expect(res?.status(), path).toBe(401);
      expect(await stranger.content(), path).not.toContain(app);
    }
    await anonymous.close();
  }, 180_000);

  it('signs in with the one-time link and shows the app on both clusters in the fleet matrix', async () => {
    page = await browser.newPage();
    const problems: string[] = [];
    // A CSP violation or a script error is a bug of the page: it would be silent for a person.
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    await signIn(page);
    expect(new URL(page.url()).pathname).toBe('/');
    const row = `tr[data-app="${app}"]`;
    await page.waitForSelector(row);
    const cells = await page.$$eval(`${row} td.cell`, (tds) =>
      tds.map((td) => ({
        cluster: td.getAttribute('data-cluster'),
        state: td.getAttribute('data-state'),
        text: td.textContent,
      })),
    );
    expect(cells.map((c) => c.cluster)).toEqual(clusters.map((c) => c.name));
    for (const c of cells) {
      expect(c.state).toBe('healthy');
      expect(c.text).toContain('1.0.0');
      expect(c.text).toContain('#1');
    }
    const colour = await page.$eval(`${row} td.cell`, (td) => getComputedStyle(td).borderLeftColor);
    expect(colour).toBe('rgb(31, 122, 63)'); // --healthy
    expect(problems).toEqual([]);
  }, 60_000);

  it('during a release the wave cells go from rolling out to ready without a reload', async () => {
    await slowRollouts(6);
    await page.goto(url(`/apps/${app}?env=staging`));
    await page.evaluate(() => {
      window.sameDocument = true;
    });
    const wave = (index: number) => `#release-staging-2 li.wave[data-wave="${index}"]`;
    await watchStates(page, wave(0));
    await watchStates(page, wave(1));
    await watchTexts(page, REPLICAS);
    await postDeployRequest(runtime, { app, environment: 'staging', image: image('1.1.0', 'b') });
    await page.waitForSelector(`${wave(1)}[data-state="ready"]`, { timeout: 90_000 });
    // The same document all along: htmx swapped the live part in, nothing reloaded the page.
    expect(await page.evaluate(() => window.sameDocument)).toBe(true);
    for (const index of [0, 1]) {
      const seen = await statesSeen(page, wave(index));
      expect(seen, `wave ${index}`).toContain('progressing');
      expect(seen.at(-1), `wave ${index}`).toBe('ready');
      expect(seen.indexOf('progressing')).toBeLessThan(seen.lastIndexOf('ready'));
    }
    expect((await settled(2)).status).toBe('succeeded');
  }, 150_000);

  it('showed old and new replicas side by side while each cluster rolled out', async () => {
    // Release 2 replaced 3 pods one at a time, each new one available only after 6 s: the page said so.
    const texts = await statesSeen(page, REPLICAS);
    expect(
      texts.some((t) => /^new [0-2]\/3, \d available, old [1-3]$/.test(t)),
      texts.join(' | '),
    ).toBe(true);
    const release = (await listReleases(db, app, 'staging')).find((r) => r.revision === 2);
    for (const c of clusters) {
      expect(release?.clusters[c.name]?.replicas).toEqual({ desired: 3, updated: 3, available: 3, old: 0 });
    }
  });

  it('a failed rollout is red with its reason, and the automatic rollback shows', async () => {
    // Too big for any node: the new pods never schedule, the rollout times out, capstan rolls back.
    const big = registryApp(app, { staging: {} });
    await putApp(
      db,
      { ...big, containers: big.containers.map((c) => ({ ...c, limits: { cpu: '100m', memory: '1Ti' } })) },
      new Date(),
    );
    await page.goto(url(`/apps/${app}?env=staging`));
    await postDeployRequest(runtime, { app, environment: 'staging', image: image('2.0.0', 'c') });
    const failedRelease = await settled(3, 150_000);
    expect(failedRelease.status).toBe('failed');
    const rollback = await settled(4, 150_000);
    expect(rollback).toMatchObject({ status: 'succeeded', rollbackOf: 2 });
    await page.waitForSelector('#release-staging-4[data-status="succeeded"]', { timeout: 30_000 });
    const failed = await page.$eval('#release-staging-3', (li) => ({
      status: li.getAttribute('data-status'),
      text: li.textContent ?? '',
      colour: getComputedStyle(li).borderLeftColor,
    }));
    expect(failed.status).toBe('failed');
    expect(failed.text).toContain('rollout-timeout');
    expect(failed.colour).toBe('rgb(179, 38, 30)'); // --failed
    expect(await page.$eval('#release-staging-4', (li) => li.textContent)).toContain('rollback to #2');
    // The fleet matrix: the cluster that failed runs release 2's manifests again, and says it was rolled back.
    await page.goto(url('/'));
    const cell = await page.$eval(`tr[data-app="${app}"] td.cell`, (td) => ({
      state: td.getAttribute('data-state'),
      text: td.textContent ?? '',
    }));
    expect(cell.state).toBe('healthy');
    expect(cell.text).toContain('rolled back to #2');
  }, 360_000);

  it('filters narrow the history, and the address keeps them', async () => {
    await page.goto(url(`/apps/${app}?env=staging`));
    const rows = () => page.$$eval('#history tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-outcome')));
    const all = await rows();
    expect(all.length).toBeGreaterThan(5);
    await page.select('#filter-outcome', 'failed');
    await Promise.all([
      page.waitForFunction(() => new URL(location.href).searchParams.get('outcome') === 'failed'),
      page.click('.filters button[type=submit]'),
    ]);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#history tbody tr')].every((tr) => tr.getAttribute('data-outcome') === 'failed'),
    );
    const failedOnly = await rows();
    expect(failedOnly.length).toBeGreaterThan(0);
    expect(failedOnly.length).toBeLessThan(all.length);
  }, 60_000);

  it('takes the README screenshot: the app page with its release timeline', async () => {
    await page.goto(url(`/apps/${app}?env=staging`));
    await page.screenshot({ path: join(import.meta.dirname, '../../docs/dashboard.png'), fullPage: false });
  });
});
