import * as fs from 'fs';
import * as path from 'path';
import { webappSpec } from './release-spec';

/**
 * The specs the bad-input catalogues (test/bad-input*.test.ts) break one way per case: valid as they
 * are, so each case's fault is the only one.
 */

/** A valid release with a running canary: the starting point every case breaks in one way. */
export const SHOP = webappSpec('shop', '', {
  canaryNamespace: 'shop-canary',
  replicas: 2,
  workload: '  env:\n    - name: LOG_LEVEL\n      value: info\n  config:\n    GREETING: hello\n',
  canary: { version: '1.1.0', weight: 10 },
  steps: '[0, 10, 50, 100]',
});

/** A release group of two apps (scenario S3's shape): frontend-main calls backend-main. */
export const GROUP = `# yaml-language-server: $schema=../lib/spec/schema/group.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: ReleaseGroup
name: fb
domain: apps.example.com
entry: frontend-main
steps: [30]
stage: 1
apps:
  - name: frontend-main
    project: fb-frontend
    image: quay.io/example/frontend-main
    version: "1.1"
    newVersion: "1.2"
    replicas: 3
    calls:
      - app: backend-main
        configKey: backendmain.url
  - name: backend-main
    project: fb-backend
    image: quay.io/example/backend-main
    version: "1.1"
    newVersion: "1.2"
    replicas: 3
`;

/** A project config of the shop repository (cdk8s-canary.yaml). */
export const CONFIG = `# yaml-language-server: $schema=lib/spec/schema/project.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: Project
repository:
  url: https://github.com/example/shop.git
`;

/** Replaces one exact piece of a text, the way a case breaks a valid spec (the piece must be there). */
export function edit(text: string, find: string, replace: string): string {
  if (!text.includes(find)) throw new Error(`test bug: ${JSON.stringify(find)} is not in the text`);
  return text.replace(find, replace);
}

/** Where a catalogue case's message must point: the text whose first (or n-th) occurrence marks the line and column, and the field path ('' for the whole file). */
export interface CaseAt { readonly file: string; readonly find: string | Buffer; readonly field: string; readonly occurrence?: number }

/** `FILE:LINE:COL: FIELD:` for the first (or n-th) occurrence of `find` in the file as committed. */
export function expectedPrefix(root: string, at: CaseAt): string {
  const bytes = fs.readFileSync(path.join(root, at.file));
  let offset = -1;
  for (let i = 0; i < (at.occurrence ?? 1); i++) offset = bytes.indexOf(at.find, offset + 1);
  if (offset < 0) throw new Error(`test bug: ${String(at.find)} not found in ${at.file}`);
  const before = bytes.subarray(0, offset);
  const line = before.filter((b) => b === 0x0a).length + 1;
  const col = before.toString('utf8').length - before.toString('utf8').lastIndexOf('\n');
  return `${at.file}:${line}:${col}:${at.field ? ` ${at.field}:` : ''}`;
}
