// Client-side benchmark for scripts/bench.sh: how soon a page is usable in a throttled browser.
//
// Drives the system Chromium (through Playwright's library, from end2end/node_modules) with the
// DevTools protocol's network and CPU throttling, cache off, and measures for each build given:
//   - the sign-in page, loaded cold: wasm + js bytes as served (encoded), first contentful paint,
//     and the time until its "Sign in" button is enabled (the app is hydrated and live);
//   - the Admin board reached by client-side navigation from the home page (signed in as an admin):
//     the wasm + js bytes the click downloads, and the time from the click until the board's
//     "Search" button is there (its code loaded, the board opened by the server, tools rendered).
//     Measured cold (the visitor asked to save data, so the app does not fetch the boards' code
//     when idle: it comes when the link is hovered or clicked) and, for the split build, after the
//     app has fetched it in the background (the default once signed in).
// Each figure is the median of BENCH_CLIENT_RUNS runs (default 5), each in a fresh browser context.
// Prints one JSON object on stdout.
//
// usage: node client.mjs <name>=<base URL> [...]   (env: BENCH_ADMIN_USERNAME, BENCH_ADMIN_PASSWORD)
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const require = createRequire(new URL('../../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const RUNS = Number(process.env.BENCH_CLIENT_RUNS ?? 5);
const CPU_SLOWDOWN = 4;
// "4G": 9 Mbit/s down, 1.5 up, 60 ms round trip. "Fast 3G" as WebPageTest defines it: 1.6 Mbit/s
// down, 768 kbit/s up, 150 ms round trip. (DevTools' own "Fast 3G" preset multiplies the round
// trip by 3.75, to 562.5 ms per request; the baseline figures match 150 ms.)
const PROFILES = {
  '4G + 4× CPU': { latency: 60, downloadThroughput: 9e6 / 8, uploadThroughput: 1.5e6 / 8 },
  'Fast 3G + 4× CPU': { latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 768e3 / 8 },
};
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// Records, in the page, when a selector first matches an enabled element (performance.now(), from
// navigation start), and when the last click happened: no polling from outside, whose round trips
// a throttled CPU would slow.
function watchFor(selector) {
  const check = () => {
    const element = document.querySelector(selector);
    if (window.__readyAt === undefined && element && !element.disabled) {
      window.__readyAt = performance.now();
    }
  };
  document.addEventListener('click', (event) => { window.__clickAt = event.timeStamp; }, true);
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  check();
}

async function throttle(context, page, profile) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (profile) {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...profile });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  }
  return cdp;
}

// wasm + js bodies as they crossed the wire (compressed), and the encodings the server chose.
function countClientBytes(page) {
  const seen = { bytes: 0, files: 0, encodings: new Set() };
  page.on('requestfinished', async (request) => {
    const path = new URL(request.url()).pathname;
    if (!/\.(wasm|js)$/.test(path)) return;
    const [sizes, response] = await Promise.all([request.sizes(), request.response()]);
    seen.bytes += sizes.responseBodySize;
    seen.files += 1;
    seen.encodings.add((await response?.headerValue('content-encoding')) ?? 'identity');
  });
  return seen;
}

async function signInPage(browser, base, profile) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await throttle(context, page, profile);
  const bytes = countClientBytes(page);
  await page.addInitScript(watchFor, 'form button[type=submit]');
  await page.goto(`${base}/signin`);
  await page.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 60_000 });
  await page.waitForLoadState('networkidle');
  const [fcp, interactive, codeAt] = await page.evaluate(() => [
    performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    window.__readyAt,
    Math.max(...performance.getEntriesByType('resource').filter((r) => /\.(wasm|js)$/.test(r.name)).map((r) => r.responseEnd)),
  ]);
  await context.close();
  return { bytes: bytes.bytes, files: bytes.files, encodings: [...bytes.encodings], fcp, interactive, codeAt };
}

async function adminBoard(browser, base, profile, admin, mode) {
  const context = await browser.newContext();
  if (mode === 'cold') {
    // Data Saver on, as the page sees it: the app then leaves prefetching to hover and focus.
    await context.addInitScript(() => {
      if (navigator.connection) Object.defineProperty(navigator.connection, 'saveData', { get: () => true });
    });
  }
  const page = await context.newPage();
  const cdp = await throttle(context, page, null);
  // Signed in through the app itself (unthrottled), then a fresh load of the home page.
  await page.goto(`${base}/signin`);
  await page.locator('html[data-hydrated]').waitFor();
  await page.getByLabel('Username', { exact: true }).fill(admin.username);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('nav-username').waitFor();
  await page.goto(`${base}/`);
  await page.locator('html[data-hydrated]').waitFor();
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin board' });
  await link.waitFor();
  // Whatever the app fetches by itself once idle has arrived (nothing, when cold).
  await page.waitForLoadState('networkidle');
  await page.evaluate(watchFor, 'form.search button[type=submit]');
  if (profile) {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...profile });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  }
  const bytes = countClientBytes(page);
  await link.click();
  await page.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 60_000 });
  await page.waitForLoadState('networkidle');
  // When the last of the page's code, and of its data, had arrived (0: nothing was needed).
  const [interactive, codeAt, dataAt] = await page.evaluate(() => {
    const after = (pattern) => {
      const ends = performance.getEntriesByType('resource')
        .filter((r) => r.startTime >= window.__clickAt && pattern.test(r.name)).map((r) => r.responseEnd);
      return ends.length ? Math.max(...ends) - window.__clickAt : 0;
    };
    return [window.__readyAt - window.__clickAt, after(/\.(wasm|js)$/), after(/\/api\//)];
  });
  await context.close();
  return { bytes: bytes.bytes, files: bytes.files, encodings: [...bytes.encodings], interactive, codeAt, dataAt };
}

async function main() {
  const builds = process.argv.slice(2).map((arg) => arg.split('='));
  const admin = { username: process.env.BENCH_ADMIN_USERNAME, password: process.env.BENCH_ADMIN_PASSWORD };
  const browser = await chromium.launch({
    headless: true,
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const results = {};
  try {
    for (const [name, base] of builds) {
      results[name] = {};
      // Unthrottled first, once: a warm-up, and the baseline.
      for (const [label, profile] of [['unthrottled', null], ...Object.entries(PROFILES)]) {
        const signin = [];
        const board = [];
        const prefetched = [];
        for (let run = 0; run < RUNS; run++) {
          signin.push(await signInPage(browser, base, profile));
          board.push(await adminBoard(browser, base, profile, admin, 'cold'));
          if (name === 'split') prefetched.push(await adminBoard(browser, base, profile, admin, 'prefetched'));
        }
        const summary = (runs, keys) => Object.fromEntries(keys.map((key) => [key, median(runs.map((r) => r[key]))]));
        results[name][label] = {
          signin: { ...summary(signin, ['bytes', 'files', 'fcp', 'codeAt', 'interactive']), encodings: signin[0].encodings },
          admin: { ...summary(board, ['bytes', 'files', 'codeAt', 'dataAt', 'interactive']), encodings: board[0].encodings },
        };
        if (prefetched.length) {
          results[name][label].adminPrefetched = summary(prefetched, ['bytes', 'files', 'codeAt', 'dataAt', 'interactive']);
        }
        const { signin: s, admin: a } = results[name][label];
        process.stderr.write(`[client] ${name}, ${label}: sign-in code ${s.codeAt.toFixed(0)} ms, interactive `
          + `${s.interactive.toFixed(0)} ms; admin board code ${a.codeAt.toFixed(0)} ms, data ${a.dataAt.toFixed(0)} ms, `
          + `interactive ${a.interactive.toFixed(0)} ms after the click`
          + (results[name][label].adminPrefetched
            ? `; prefetched when idle: interactive ${results[name][label].adminPrefetched.interactive.toFixed(0)} ms` : '')
          + '\n');
      }
    }
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify({ runs: RUNS, cpuSlowdown: CPU_SLOWDOWN, profiles: PROFILES, results }));
}

await main();
