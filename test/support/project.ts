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

/** How a test release differs from the minimal one of `webappSpec` (each option adds or sets its lines). */
export interface WebappSpecOptions {
  /** A comment line under the schema line. @default - none */
  readonly comment?: string;
  /** `namespaces.canary`. @default - none: the canary runs in the production namespace */
  readonly canaryNamespace?: string;
  /** `workload.replicas`. @default - none: the schema's default */
  readonly replicas?: number;
  /** `stable.version`. @default - 1.0.0 */
  readonly stable?: string;
  /** `steps`, as YAML (e.g. `[0, 10, 50, 100]`). @default - none: the schema's default ladder */
  readonly steps?: string;
}

/**
 * A minimal valid web-app release spec on Gateway API (`name` in namespace `name`, host
 * `<name>.example.com`); `extra` lines are appended verbatim at the top level. The one release
 * template the test support builds on (`specText`, `fleetSpec`).
 */
export function webappSpec(name = 'shop', extra = '', opts: WebappSpecOptions = {}): string {
  return `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
${opts.comment === undefined ? '' : `# ${opts.comment}\n`}apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: ${name}
namespaces:
  production: ${name}
${opts.canaryNamespace === undefined ? '' : `  canary: ${opts.canaryNamespace}\n`}workload:
  type: webapp
  image: ghcr.io/example/${name}
  port: 8080
${opts.replicas === undefined ? '' : `  replicas: ${opts.replicas}\n`}stable:
  version: ${opts.stable ?? '1.0.0'}
${opts.steps === undefined ? '' : `steps: ${opts.steps}\n`}router:
  type: gatewayApi
  parentRefs:
    - name: public
      namespace: gateway-system
  hostnames:
    - ${name}.example.com
${extra}`;
}

/** Collects what the CLI prints. */
export function bufferIo(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}
