import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Repository root of this checkout. */
export const REPO = path.resolve(__dirname, '../..');

/** A temporary project folder with a releases/ directory; removed by `cleanup`. */
export function tempProject(files: Record<string, string> = {}): { root: string; write(rel: string, content: string | Buffer): string; cleanup(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-'));
  fs.mkdirSync(path.join(root, 'releases'));
  const write = (rel: string, content: string | Buffer) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  };
  for (const [rel, c] of Object.entries(files)) write(rel, c);
  return { root, write, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export { webappSpec } from './release-spec';
export type { WebappSpecOptions } from './release-spec';

/** Collects what the CLI prints. */
export function bufferIo(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}
