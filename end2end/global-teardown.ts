import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** At most this many of the server's error lines are printed. */
const SHOWN = 50;

export default function teardown() {
  const dir = process.env.KEYWARD_E2E_DATA_DIR;
  if (!dir) return;
  // The server's log goes with its data folder; its errors are printed
  // first, so a failure the browser only saw the effect of (a page with
  // the wrong policy, say) keeps the server's side of the story. The leak
  // scan has read this log: it holds no secret.
  const log = join(dir, 'server.log');
  if (existsSync(log)) {
    const errors = readFileSync(log, 'utf8')
      .split('\n')
      // Without the terminal colours the log is written with.
      .map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''))
      .filter((line) => / ERROR /.test(line));
    if (errors.length > 0) {
      console.log(`The server logged ${errors.length} error(s):`);
      for (const line of errors.slice(0, SHOWN)) console.log(`  ${line}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
