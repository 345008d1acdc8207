// Entry point of `cargo leptos end-to-end` (its end2end-cmd): cargo-leptos starts the server and runs
// this at once, so wait until the server answers /readyz, then hand over to Playwright.
// Arguments are passed to `playwright test`; the exit code is Playwright's.
import { spawn } from 'node:child_process';

const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const deadline = Date.now() + Number(process.env.E2E_READY_TIMEOUT_MS ?? 180_000);

async function ready() {
  try {
    const response = await fetch(`${baseURL}/readyz`);
    return response.ok;
  } catch {
    return false;
  }
}

while (!(await ready())) {
  if (Date.now() > deadline) {
    console.error(`server at ${baseURL} not ready in time`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}

const child = spawn('npx', ['playwright', 'test', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
