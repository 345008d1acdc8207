// Entry point of `cargo leptos end-to-end` (its end2end-cmd): cargo-leptos starts the server and runs
// this at once, so wait until the server answers /readyz, then hand over to Playwright.
// Arguments are passed to `playwright test`; the exit code is Playwright's.
//
// It also starts a second server from the same build and database, with REQUIRE_2FA_FOR_ADMINS=true
// (the passkey suite checks that an admin with only a passkey passes it), at STRICT_BASE_URL, and
// stops it when Playwright is done.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const deadline = Date.now() + Number(process.env.E2E_READY_TIMEOUT_MS ?? 180_000);

async function ready(url) {
  try {
    const response = await fetch(`${url}/readyz`);
    return response.ok;
  } catch {
    return false;
  }
}

async function waitFor(url) {
  while (!(await ready(url))) {
    if (Date.now() > deadline) {
      console.error(`server at ${url} not ready in time`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

await waitFor(baseURL);

const root = fileURLToPath(new URL('..', import.meta.url));
const binary = `${process.env.CARGO_TARGET_DIR ?? `${root}target`}/release/server`;
let strict = null;
if (existsSync(binary)) {
  const main = new URL(baseURL);
  const port = Number(main.port) + 2;
  const strictURL = `${main.protocol}//${main.hostname}:${port}`;
  strict = spawn(binary, [], {
    cwd: root,
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: `${root}target/site`,
      LEPTOS_OUTPUT_NAME: 'rust-auth',
      LEPTOS_HASH_FILES: 'true',
      LEPTOS_ENV: 'PROD',
      PUBLIC_URL: strictURL,
      REQUIRE_2FA_FOR_ADMINS: 'true',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(strictURL);
  process.env.STRICT_BASE_URL = strictURL;
}

const child = spawn('npx', ['playwright', 'test', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  strict?.kill('SIGTERM');
  process.exit(code ?? (signal ? 1 : 0));
});
