import * as fs from 'fs';
import * as path from 'path';

/**
 * Two Istio releases sharing a Gateway (lib/manifests/gateway-refs.ts): `edge` creates the Istio
 * Gateway edge/shared-gw (`EDGE_GW`), `shop` binds to it (`BOUND`, `gateways: [edge/shared-gw]`).
 */
const webapp = fs.readFileSync(path.join(__dirname, '..', '..', 'releases', 'webapp.yaml'), 'utf8');

/** The README's webapp spec. */
export const WEBAPP = webapp;

/** A release `name` (own namespace, host `<name>.example.com`) on Istio with `gateway` (YAML lines under `gateway:`). */
export function istio(name: string, gateway: string): string {
  return webapp
    .replace(/^name: webapp$/m, `name: ${name}`)
    .replace(/^ {2}production: webapp$/m, `  production: ${name}`)
    .replace(/^router:\n(?: .*\n)*/m, `router:\n  type: istio\n  gateway:\n${gateway}  hosts: [${name}.example.com]\n`);
}

/** `gateway:` lines creating the Istio Gateway shared-gw, taking every host. */
export const EDGE_GW = '    name: shared-gw\n    servers:\n      - port: { number: 80, name: http, protocol: HTTP }\n        hosts: ["*"]\n';

/** `gateway:` lines binding to edge/shared-gw, made by another release. */
export const BOUND = '    name: shared-gw\n    namespace: edge\n    create: false\n';
