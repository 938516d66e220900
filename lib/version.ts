/**
 * The version `cdk8s-canary --version` prints: the `version` of this package's package.json, found
 * by walking up from this file (the same code runs from lib/ under ts-jest and from build/lib/).
 */
import * as fs from 'fs';
import * as path from 'path';

/** The package's version, e.g. `0.1.0`; `unknown` when no package.json of cdk8s-canary is found. */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'cdk8s-canary' && typeof pkg.version === 'string') return pkg.version;
    } catch { /* not here: look further up */ }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
