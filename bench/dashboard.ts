/**
 * The web dashboard, measured on this machine:
 *  1. time to first paint of the overview (first contentful paint, and until the overview is
 *     drawn with its data) and the bytes transferred for it, cold (empty cache) and warm;
 *  2. the gateway's CPU with 5 dashboards open on the overview (live stream, refreshes on each
 *     collection) against the same gateway with none open, in the same run.
 * The gateway runs in this process with the real watch collector (15 s) on this host and the
 * Docker engine; Chromium is a separate process, so its CPU is not counted.
 *   node bench/dashboard.ts [minutes per phase, default 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { allModules } from '../src/modules/index.ts';
import { startTestGateway } from '../test/support/gateway.ts';

const MINUTES = Number(process.argv[2] ?? 2);
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const gw = await startTestGateway({ modules: allModules });
const token = await gw.token({ role: 'admin', name: 'bench' });
const profile = mkdtempSync(join(tmpdir(), 'tw-bench-dashboard-'));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });

/** A browser context signed in without loading any page (its cache stays empty). */
async function signedInContext() {
  const context = await browser.newContext();
  const answer = await context.request.post(`${gw.url}/approvals/login`, {
    form: { token, next: '/ui' },
    maxRedirects: 0,
  });
  if (answer.status() !== 303) throw new Error(`sign-in failed: HTTP ${answer.status()}`);
  return context;
}

interface Load {
  fcp: number;
  drawn: number;
  bytes: number;
}

/** Open the overview in a signed-in context (cold: a fresh one, so nothing is cached). */
async function loadOverview(context: Awaited<ReturnType<typeof signedInContext>>): Promise<Load> {
  const page = await context.newPage();
  await page.goto(`${gw.url}/ui/overview`);
  await page.waitForSelector('body[data-drawn="overview"]', { timeout: 120_000 });
  const drawnAt = (await page.evaluate('performance.now()')) as number;
  const m = (await page.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return { fcp: fcp ? fcp.startTime : -1, bytes: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0) };
  })()`)) as { fcp: number; bytes: number };
  await page.close();
  return { fcp: m.fcp, drawn: drawnAt, bytes: m.bytes };
}

function report(label: string, loads: Load[]) {
  console.log(
    `${label.padEnd(6)} first paint ${median(loads.map((l) => l.fcp)).toFixed(0)} ms, overview drawn ${median(loads.map((l) => l.drawn)).toFixed(0)} ms, ${(median(loads.map((l) => l.bytes)) / 1024).toFixed(1)} KiB transferred (median of ${loads.length})`,
  );
}

async function cpuOver(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1000 / ms) * 100;
}

try {
  const cold: Load[] = [];
  for (let i = 0; i < 5; i++) {
    const context = await signedInContext();
    cold.push(await loadOverview(context));
    await context.close();
  }
  report('cold', cold);
  const warmContext = await signedInContext();
  await loadOverview(warmContext);
  const warm: Load[] = [];
  for (let i = 0; i < 5; i++) warm.push(await loadOverview(warmContext));
  await warmContext.close();
  report('warm', warm);

  const phaseMs = MINUTES * 60_000;
  console.log(`gateway CPU, ${MINUTES} min per phase (the watch collector runs every 15 s throughout)…`);
  // The five browsers are open throughout (on a blank page while idle), so only the dashboards differ.
  const contexts = await Promise.all(Array.from({ length: 5 }, () => signedInContext()));
  const pages = await Promise.all(contexts.map((c) => c.newPage()));
  const idle = await cpuOver(phaseMs);
  await Promise.all(
    pages.map(async (page) => {
      await page.goto(`${gw.url}/ui/overview`);
      await page.waitForSelector('#live:text("live")', { timeout: 120_000 });
    }),
  );
  const rssBefore = process.memoryUsage().rss;
  const open = await cpuOver(phaseMs);
  const heaps = (await Promise.all(
    pages.map((p) => p.evaluate('performance.memory ? performance.memory.usedJSHeapSize : 0')),
  )) as number[];
  console.log(`no dashboard open     ${idle.toFixed(2)} % of one core`);
  console.log(
    `5 dashboards open     ${open.toFixed(2)} % of one core (${(open / idle).toFixed(2)}× the idle gateway)`,
  );
  console.log(
    `gateway RSS change over the open phase: ${((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(1)} MiB; page JS heaps ${heaps.map((h) => (h / 1048576).toFixed(1)).join(', ')} MiB`,
  );
  console.log(`audit records written: ${(await gw.auditRecords()).length}`);
  await Promise.all(contexts.map((c) => c.close()));
} finally {
  await browser.close();
  await gw.close();
  rmSync(profile, { recursive: true, force: true });
}
