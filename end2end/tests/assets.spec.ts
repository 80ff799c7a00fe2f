import { test, expect, openApiKeys, addKey, keyRow, uniqueName, hydrated } from './fixtures';

// The first load: the WASM, JS and CSS go out precompressed under
// content-hashed names that may be cached for good, and the page itself
// goes out compressed but never cached. Headers, not timings.

test('the bundle is served compressed, content-hashed and immutable', async ({ page }) => {
  await openApiKeys(page);
  const wasm = await page.locator('link[rel="preload"][as="fetch"]').getAttribute('href');
  const js = await page.locator('link[rel="modulepreload"]').getAttribute('href');
  const css = await page.locator('link[rel="stylesheet"]').first().getAttribute('href');
  for (const [href, kind] of [
    [wasm, 'wasm'],
    [js, 'js'],
    [css, 'css'],
  ] as const) {
    expect(href, kind).toMatch(new RegExp(`^/pkg/keyward\\.[\\w-]+\\.${kind}$`));
    for (const encoding of ['br', 'gzip']) {
      const answer = await page.request.get(href!, { headers: { 'Accept-Encoding': encoding } });
      expect(answer.status(), `${href} ${encoding}`).toBe(200);
      expect(answer.headers()['content-encoding'], `${href} ${encoding}`).toBe(encoding);
      expect(answer.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  }
  // Without Accept-Encoding, the file itself.
  const plain = await page.request.get(wasm!, { headers: { 'Accept-Encoding': 'identity' } });
  expect(plain.headers()['content-encoding']).toBeUndefined();
  expect((await plain.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));

  const html = await page.request.get('/settings/api-keys', { headers: { 'Accept-Encoding': 'br' } });
  expect(html.headers()['content-encoding']).toBe('br');
  expect(html.headers()['cache-control']).toBe('no-store');
});

// Revalidated files would come back as 304s over the network; immutable
// ones come from the cache.
test('a second visit downloads no WASM', async ({ page }) => {
  await openApiKeys(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const fromNetwork: string[] = [];
  cdp.on('Network.responseReceived', (e) => {
    if (e.response.url.endsWith('.wasm') && !e.response.fromDiskCache && !e.response.fromPrefetchCache)
      fromNetwork.push(e.response.url);
  });
  await page.goto('/settings/api-keys');
  await page.locator('body[data-hydrated]').waitFor();
  expect(fromNetwork, 'WASM fetched again over the network').toEqual([]);
});

// Islands and code splitting (`cargo leptos --split`): the API Keys page
// hydrates only its islands, and its load fetches no code of the other
// pages' islands. Its dialogs are server HTML: opening one fetches markup,
// never code. Each chunk arrives the first time it is needed, under a
// hashed name, compressed and immutable like the main bundle.
test('the API Keys dialogs need no lazy code, and other pages load theirs when first used', async ({ page }) => {
  const fetched: string[] = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) fetched.push(path);
  });
  const chunks = (part: string) => fetched.filter((path) => path.includes(part));

  await openApiKeys(page);
  const name = uniqueName('Split');
  await addKey(page, name);

  await keyRow(page, name).getByRole('button', { name: `Roll ${name}` }).click();
  const roll = page.getByRole('dialog', { name: 'Roll API key' });
  await expect(roll).toBeVisible();
  await expect(roll.getByRole('combobox', { name: 'Old key stops working' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(roll).toBeHidden();

  await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
  await expect(page.getByRole('dialog', { name: 'Edit API key' })).toBeVisible();
  await page.keyboard.press('Escape');
  await keyRow(page, name).getByRole('button', { name: `Delete ${name}` }).click();
  await expect(page.getByRole('dialog', { name: 'Delete API key' })).toBeVisible();
  await page.keyboard.press('Escape');
  expect(fetched.filter((path) => !/^\/pkg\/keyward\./.test(path)), 'code fetched for the page or its dialogs').toEqual([]);

  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole('textbox', { name: 'Webhook URL' })).toBeEditable();
  expect(chunks('split_webhooks_panel_loader')).toHaveLength(1);
  expect(chunks('split_login_form_loader'), 'a page not visited').toEqual([]);
  expect(chunks('split_signup_form_loader'), 'a page not visited').toEqual([]);

  const chunk = chunks('split_webhooks_panel_loader')[0];
  expect(chunk).toMatch(/^\/pkg\/split_webhooks_panel_loader_\d+\.[\w-]{22}\.wasm$/);
  const answer = await page.request.get(chunk, { headers: { 'Accept-Encoding': 'br' } });
  expect(answer.headers()['content-encoding']).toBe('br');
  expect(answer.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
});

// A lazy island's loader asks for its chunks only once the main module
// runs; the page names them in preload links, so they arrive beside the
// main module. Each is fetched once: the loader's own request takes the
// preloaded answer (a mismatched preload would be fetched twice).
test('a page with a lazy island preloads its chunks, and each is fetched once', async ({ page }) => {
  const fetched: string[] = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) fetched.push(path);
  });
  const preloaded = async () =>
    (await page.locator('link[rel="preload"][as="fetch"]').evaluateAll((links) =>
      links.map((l) => l.getAttribute('href') ?? ''),
    )).filter((href) => !/^\/pkg\/keyward\./.test(href));

  for (const [path, island] of [
    ['/login', 'login_form'],
    ['/signup', 'signup_form'],
  ]) {
    fetched.length = 0;
    await page.goto(path);
    await hydrated(page);
    const chunks = await preloaded();
    expect(chunks.some((c) => c.includes(`/split_${island}_loader_`)), `${path}: ${chunks}`).toBe(true);
    for (const chunk of chunks) {
      expect(chunk).toMatch(/^\/pkg\/[\w-]+\.[\w-]{22}\.wasm$/);
      expect(fetched.filter((f) => f === chunk), `${path}: ${chunk} fetched`).toHaveLength(1);
    }
    // And the island needed no chunk that was not preloaded.
    expect(fetched.filter((f) => !/^\/pkg\/keyward\./.test(f)).sort()).toEqual([...chunks].sort());
  }

  await openApiKeys(page);
  expect(await preloaded(), 'API Keys has no lazy island').toEqual([]);
  fetched.length = 0;
  await page.goto('/settings/webhooks');
  await hydrated(page);
  const chunks = await preloaded();
  expect(chunks.some((c) => c.includes('/split_webhooks_panel_loader_')), `${chunks}`).toBe(true);
  // Cached from the sign-in and sign-up pages or not, none came twice.
  for (const chunk of chunks) expect(fetched.filter((f) => f === chunk).length).toBeLessThanOrEqual(1);
});

// A chunk that cannot be fetched (a new version was deployed while the page
// was open, or the network dropped) reloads the page once, rather than
// leaving it dead after the failed load aborts the WASM.
test.describe('a lazy chunk that cannot be fetched', () => {
  test.use({ expectedConsoleErrors: [/load callback should succeed|unreachable|ERR_FAILED|Failed to fetch|split_webhooks_panel/] });

  test('reloads the page once, and the page works after it', async ({ page }) => {
    await openApiKeys(page);
    // The Webhooks island's chunk fails until the page reloads itself.
    let visits = 0;
    const reloaded = new Promise<void>((resolve) => {
      page.on('request', (r) => {
        if (r.isNavigationRequest() && new URL(r.url()).pathname === '/settings/webhooks' && ++visits === 2) resolve();
      });
    });
    await page.route(/split_webhooks_panel/, (route) => (visits < 2 ? route.abort() : route.continue()));
    await page.goto('/settings/webhooks', { waitUntil: 'commit' });
    await reloaded;
    await hydrated(page);
    await expect(page.getByRole('textbox', { name: 'Webhook URL' })).toBeEditable();
    // The reload is remembered, so a chunk that stays missing cannot make
    // the page reload again and again.
    const at = Number(await page.evaluate(() => sessionStorage.getItem('keyward.chunk-reload-at')));
    expect(Math.abs(Date.now() - at)).toBeLessThan(60_000);
    expect(visits).toBe(2);
  });
});
