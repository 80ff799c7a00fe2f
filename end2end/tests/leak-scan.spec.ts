import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, signUp } from './fixtures';

/**
 * Runs after every other test (a project of its own that depends on them):
 * no API key secret may appear in the clear in the server's log or in any
 * file of its data folder (the SQLite database, its WAL, the master key).
 * It looks for anything shaped like a secret, so it covers every secret the
 * run created, in the browser, through the SDK or by rolling.
 */
const SECRET_SHAPE = /key_[A-Za-z0-9]{38}/g;

function filesIn(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesIn(path) : [path];
  });
}

test('no secret is left in the clear in the log or the data files', async ({ page }) => {
  const dir = process.env.KEYWARD_E2E_DATA_DIR ?? '';
  // One more key, so the scan is known to look for something that exists.
  await signUp(page);
  const response = await page.request.post('/api/keys/create', { data: { input: { name: 'scanned', restricted: false } } });
  const { secret } = await response.json();
  expect(secret).toMatch(SECRET_SHAPE);

  const files = filesIn(dir);
  expect(files.some((f) => f.endsWith('server.log'))).toBe(true);
  expect(files.some((f) => f.endsWith('keyward.db'))).toBe(true);
  const found: string[] = [];
  for (const file of files) {
    // latin1 keeps every byte, so a secret inside binary pages is still seen.
    const text = readFileSync(file).toString('latin1');
    for (const match of text.matchAll(SECRET_SHAPE)) found.push(`${file}: ${match[0].slice(0, 10)}…`);
  }
  expect(found).toEqual([]);
  // The log is real: it recorded the run's key creations.
  expect(readFileSync(join(dir, 'server.log'), 'utf8')).toContain('api key created');
});
