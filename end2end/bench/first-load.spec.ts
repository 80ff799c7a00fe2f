import { test, expect, type BrowserContext, type Page } from '@playwright/test';

// What a person's browser downloads to use the API Keys page: a cold load
// (empty cache), a warm one (second visit), and the time until Add opens
// on a slow mobile network. Every figure is printed; none is asserted.

const PAGE = '/settings/api-keys';

async function signUp(context: BrowserContext, email: string) {
  const answer = await context.request.post('/api/auth/signup', {
    form: { 'input[email]': email, 'input[password]': 'benchmark password', 'input[organization]': 'Bench' },
  });
  expect(answer.ok()).toBeTruthy();
}

/** An emulated network: this download speed, 150 ms latency. */
type Network = { mbit: number };
/** A slow mobile network, where bytes decide. */
const SLOW: Network = { mbit: 1.6 };
/** A fast mobile network, where round trips decide. */
const FAST: Network = { mbit: 20 };

/** Opens Add and waits for its dialog: when the API Keys page is usable. */
async function addOpens(page: Page) {
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('dialog').waitFor();
}

/** Loads `path` until `ready` holds; bytes on the wire per resource. */
async function load(page: Page, network?: Network, path = PAGE, ready = addOpens) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  if (network) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (network.mbit * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8,
    });
  }
  const urls = new Map<string, string>();
  const bytes = new Map<string, number>();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, new URL(e.response.url).pathname));
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId) ?? e.requestId;
    bytes.set(url, (bytes.get(url) ?? 0) + e.encodedDataLength);
  });
  const start = Date.now();
  await page.goto(path);
  await page.locator('body[data-hydrated]').waitFor();
  await ready(page);
  const ms = Date.now() - start;
  await cdp.detach();
  return { ms, bytes };
}

function report(label: string, run: { ms: number; bytes: Map<string, number> }) {
  const total = [...run.bytes.values()].reduce((a, b) => a + b, 0);
  const parts = [...run.bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([url, n]) => `${url.replace(/^\/pkg\//, '')} ${(n / 1024).toFixed(1)}`)
    .join(', ');
  console.log(`${label}: ${(total / 1024).toFixed(1)} KiB in ${run.ms} ms (${parts})`);
}

test('first load of the API Keys page', async ({ browser }) => {
  const context = await browser.newContext();
  await signUp(context, `first-load-${Date.now()}@example.com`);
  const page = await context.newPage();
  report('cold load until Add opens', await load(page));
  const warm = await context.newPage();
  report('warm load until Add opens', await load(warm));
  await context.close();

  const slow = await browser.newContext();
  await signUp(slow, `slow-load-${Date.now()}@example.com`);
  report('cold load, 1.6 Mbit/s and 150 ms latency', await load(await slow.newPage(), SLOW));
  await slow.close();
});

// The sign-in form is a lazy island: its chunks come after the main module
// unless the page preloads them. Until the form is hydrated, three cold
// loads on each network.
test('cold load of the sign-in page', async ({ browser }) => {
  for (const [name, network] of [
    ['1.6 Mbit/s', SLOW],
    ['20 Mbit/s', FAST],
  ] as const) {
    for (let i = 1; i <= 3; i++) {
      const context = await browser.newContext();
      const hydrated = async () => {};
      report(
        `sign-in page cold load ${i}, ${name} and 150 ms latency`,
        await load(await context.newPage(), network, '/login', hydrated),
      );
      await context.close();
    }
  }
});
