/**
 * blobId (lib/git/tree.ts) is `git hash-object` without running git: validate compares the rendering
 * with HEAD's dist/ by blob id and reads from git only the files that differ.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { blobId } from '../lib/git';

const TEXTS = ['', 'apiVersion: v1\nkind: Namespace\n', '# café – ünïcödé ✓\nname: "x"\n', 'no newline at the end'];

describe('blobId', () => {
  test.each(['sha1', 'sha256'] as const)('GIVEN a %s repository WHEN a text is hashed THEN the id is the one git hash-object gives', (format) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blob-id-'));
    try {
      execFileSync('git', ['init', '-q', `--object-format=${format}`, dir]);
      for (const text of TEXTS) {
        const file = path.join(dir, 'f.yaml');
        fs.writeFileSync(file, text);
        const expected = execFileSync('git', ['-C', dir, 'hash-object', 'f.yaml'], { encoding: 'utf8' }).trim();
        expect(blobId(text, format)).toBe(expected);
      }
      // and a changed byte changes the id
      expect(blobId('a: 1\n', format)).not.toBe(blobId('a: 2\n', format));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
