import { test, expect, openApiKeys, hydrated, addKey, uniqueName, keyRow } from './fixtures';
import type { Page } from '@playwright/test';

/** Records every Content-Security-Policy violation the page reports. */
async function watchViolations(page: Page) {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
}

async function violations(page: Page) {
  return page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
}

test('every page hydrates under its Content-Security-Policy with no violation', async ({ page }) => {
  await watchViolations(page);
  for (const path of ['/login', '/signup', '/join/no-such-link']) {
    const response = await page.goto(path);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'nonce-[^']+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    await hydrated(page);
    expect(await violations(page)).toEqual([]);
  }
  await openApiKeys(page);
  const name = uniqueName('Under CSP');
  await addKey(page, name, { History: 'Read' });
  await keyRow(page, name).getByRole('button', { name: `Roll ${name}` }).click();
  await expect(page.getByRole('dialog', { name: 'Roll API key' })).toBeVisible();
  await page.keyboard.press('Escape');
  expect(await violations(page)).toEqual([]);
  for (const path of ['/settings/webhooks', '/settings/audit-log', '/settings/members', '/settings/public-keys']) {
    const response = await page.goto(path);
    expect(response?.headers()['cache-control']).toBe('no-store');
    await hydrated(page);
    expect(await violations(page)).toEqual([]);
  }
});

test.describe('an injection', () => {
  // Chromium reports the blocked handler (and the broken image) on the
  // console: that is the point.
  test.use({ expectedConsoleErrors: [/Content Security Policy|status of 404/] });
test('injected markup runs no script', async ({ page }) => {
  await watchViolations(page);
  await page.goto('/login');
  await hydrated(page);
  // What an HTML injection adds: markup with an inline event handler. (A
  // script created with createElement by code already running is allowed
  // by 'strict-dynamic' by design; markup is what an injection brings.)
  await page.evaluate(() => {
    document.body.insertAdjacentHTML('beforeend', '<img src="/no-such-image.png" onerror="window.__injected = true">');
  });
  await expect.poll(async () => (await violations(page)).length).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
  expect((await violations(page)).some((v) => v.startsWith('script-src'))).toBe(true);
});
});
