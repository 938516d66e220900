import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { git, synthesizedRepo, tempRepo } from './support/cli-repo';
import { CatalogueRepo, catalogueRepo, expectRefusal, RefusalCase, refusalRows } from './support/refusal-case';
import { CONFIG, GROUP, SHOP } from './support/catalogue-specs';

/**
 * The bad-input catalogue: malformed specs and wrong command lines, each run through the CLI
 * (in-process; every sixth case also through the compiled CLI, see refusalRows) in a real git
 * repository whose specs and dist/ are committed. Every case must exit 2, print a message naming
 * the file, line, column and field (or, for a command line, the argument) with the fix, and leave
 * the working tree, dist/, the spec files, the index and the history exactly as they were.
 */


const BLOG = SHOP.replace(/shop/g, 'blog').replace(/canary:\n {2}version: 1\.1\.0\n {2}weight: 10\n/, '');


/** Replaces one exact piece of the shop spec (the piece must be there). */
function edit(find: string, replace: string): string {
  if (!SHOP.includes(find)) throw new Error(`test bug: ${JSON.stringify(find)} is not in the shop spec`);
  return SHOP.replace(find, replace);
}

/** A case of this catalogue (test/support/refusal-case.ts). */
type Case = RefusalCase;

const CASES: readonly Case[] = [
  // Schema: unknown fields, wrong types, formats
  { name: 'an unknown field, with a suggestion', files: { 'releases/shop.yaml': edit('  replicas: 2\n', '  replicas: 2\n  replicaz: 3\n') },
    at: { file: 'releases/shop.yaml', find: 'replicaz', field: 'workload.replicaz' }, says: /unknown field 'replicaz'; did you mean 'replicas'\?/ },
  { name: 'an unknown top-level field', files: { 'releases/shop.yaml': `${SHOP}owner: team-a\n` },
    at: { file: 'releases/shop.yaml', find: 'owner', field: 'owner' }, says: /unknown field 'owner'; remove it \(allowed: apiVersion, kind, name/ },
  { name: 'a wrong type (a word where an integer goes)', files: { 'releases/shop.yaml': edit('replicas: 2', 'replicas: two') },
    at: { file: 'releases/shop.yaml', find: 'two', field: 'workload.replicas' }, says: /must be an integer \(got "two"\); write an integer here/ },
  { name: 'a wrong type (a number where a list goes)', files: { 'releases/shop.yaml': edit('steps: [0, 10, 50, 100]', 'steps: 10') },
    at: { file: 'releases/shop.yaml', find: '10\n', field: 'steps', occurrence: 2 }, says: /must be a list \(got 10\)/ },
  { name: 'a wrong apiVersion', files: { 'releases/shop.yaml': edit('v1alpha1', 'v1beta1') },
    at: { file: 'releases/shop.yaml', find: 'canary.cdk8s.io/v1beta1', field: 'apiVersion' }, says: /must be "canary\.cdk8s\.io\/v1alpha1"/ },
  { name: 'a missing required field', files: { 'releases/shop.yaml': edit('  image: ghcr.io/example/shop\n', '') },
    at: { file: 'releases/shop.yaml', find: 'type: webapp', field: 'workload.image' }, says: /required field 'image' is missing; add 'image'/ },
  { name: 'an image reference that is not one', files: { 'releases/shop.yaml': edit('ghcr.io/example/shop', 'Ghcr.io/Example Shop') },
    at: { file: 'releases/shop.yaml', find: 'Ghcr.io', field: 'workload.image' }, says: /is not an image reference: it contains white space \(got "Ghcr\.io\/Example Shop"\); use an image repository such as/ },
  { name: 'a port out of range', files: { 'releases/shop.yaml': edit('port: 8080', 'port: 70000') },
    at: { file: 'releases/shop.yaml', find: '70000', field: 'workload.port' }, says: /is out of range \(<= 65535 required\) \(got 70000\); use a value between 1 and 65535/ },
  // Weights and the ladder
  { name: 'a weight above 100', files: { 'releases/shop.yaml': edit('weight: 10', 'weight: 150') },
    at: { file: 'releases/shop.yaml', find: '150', field: 'canary.weight' }, says: /weight is above the weight total 100 \(got 150\); use a weight between 0 and 100/ },
  { name: 'a negative weight', files: { 'releases/shop.yaml': edit('weight: 10', 'weight: -5') },
    at: { file: 'releases/shop.yaml', find: '-5', field: 'canary.weight' }, says: /is out of range \(>= 0 required\) \(got -5\); use a whole number between 0 and the weight total \(100 unless weightTotal says otherwise\)/ },
  { name: 'a weight that is not an integer', files: { 'releases/shop.yaml': edit('weight: 10', 'weight: 12.5') },
    at: { file: 'releases/shop.yaml', find: '12.5', field: 'canary.weight' }, says: /must be an integer \(got 12\.5\)/ },
  { name: 'a weight written as a string', files: { 'releases/shop.yaml': edit('weight: 10', 'weight: "10"') },
    at: { file: 'releases/shop.yaml', find: '"10"', field: 'canary.weight' }, says: /must be an integer \(got "10"\)/ },
  { name: 'a ladder that goes down', files: { 'releases/shop.yaml': edit('[0, 10, 50, 100]', '[0, 50, 25, 100]') },
    at: { file: 'releases/shop.yaml', find: '25', field: 'steps[2]' }, says: /steps must increase strictly \(previous step is 50\) \(got 25\); use a weight above 50 or remove this step/ },
  { name: 'a ladder with a repeated step', files: { 'releases/shop.yaml': edit('[0, 10, 50, 100]', '[0, 10, 10, 100]') },
    at: { file: 'releases/shop.yaml', find: '10, 100', field: 'steps[2]' }, says: /steps must increase strictly \(previous step is 10\)/ },
  { name: 'a ladder step above the weight total', files: { 'releases/shop.yaml': edit('[0, 10, 50, 100]', '[0, 10, 50, 200]') },
    at: { file: 'releases/shop.yaml', find: '200', field: 'steps[3]' }, says: /weight is above the weight total 100 \(got 200\)/ },
  { name: 'a soak time too long to count exactly (99999999999999h)', files: { 'releases/shop.yaml': edit('[0, 10, 50, 100]', '[0, {weight: 10, minSoak: 99999999999999h}, 100]') },
    at: { file: 'releases/shop.yaml', find: '99999999999999h', field: 'steps[1].minSoak' }, says: /has an invalid format \(got "99999999999999h"\); use a duration such as '30s', '10m', '1h' or '1h30m' \(at most 99999h\)/ },
  { name: 'a soak time that is not a duration', files: { 'releases/shop.yaml': edit('[0, 10, 50, 100]', '[0, {weight: 10, minSoak: 10 minutes}, 100]') },
    at: { file: 'releases/shop.yaml', find: '10 minutes', field: 'steps[1].minSoak' }, says: /has an invalid format \(got "10 minutes"\); use a duration such as '30s'/ },
  { name: 'a weight total below 100', files: { 'releases/shop.yaml': `${SHOP}weightTotal: 50\n` },
    at: { file: 'releases/shop.yaml', find: '50\n', field: 'weightTotal' }, says: /is out of range \(>= 100 required\) \(got 50\); use 100 \(percent\)/ },
  { name: 'a canary running the stable version', files: { 'releases/shop.yaml': edit('version: 1.1.0', 'version: 1.0.0') },
    at: { file: 'releases/shop.yaml', find: '1.0.0', field: 'canary.version', occurrence: 2 }, says: /canary runs the same version as stable \(got "1\.0\.0"\); set a new version for the canary/ },
  // Names and paths
  { name: 'a release name that is not a DNS-1123 label', files: { 'releases/Shop_1.yaml': SHOP.replace('name: shop', 'name: Shop_1') },
    at: { file: 'releases/Shop_1.yaml', find: 'Shop_1', field: 'name' }, says: /has an invalid format \(got "Shop_1"\); use lowercase letters, digits and '-'/ },
  { name: 'a release name longer than 63 characters', files: { [`releases/${'a'.repeat(64)}.yaml`]: SHOP.replace('name: shop', `name: ${'a'.repeat(64)}`) },
    at: { file: `releases/${'a'.repeat(64)}.yaml`, find: 'a'.repeat(64), field: 'name' }, says: /is too long \(at most 63 characters\)/ },
  { name: '../ in a release name', files: { 'releases/shop.yaml': edit('name: shop', 'name: ../../etc') },
    at: { file: 'releases/shop.yaml', find: '../../etc', field: 'name' }, says: /has an invalid format \(got "\.\.\/\.\.\/etc"\)/ },
  { name: 'a copy of a spec in a hidden file (its base name is no release name to suggest)', files: { 'releases/.copy.yaml': SHOP },
    at: { file: 'releases/.copy.yaml', find: 'shop', field: 'name' }, says: /release name does not match the file name '\.copy\.yaml' \(got "shop"\); rename the file to shop\.yaml$/ },
  { name: 'an upper-case hostname with an underscore', files: { 'releases/shop.yaml': edit('    - shop.example.com', '    - Shop_1.example.com') },
    at: { file: 'releases/shop.yaml', find: 'Shop_1', field: 'router.hostnames[0]' }, says: /has an invalid format \(got "Shop_1\.example\.com"\); write a lowercase DNS name \(letters, digits, '-' and '\.'\), optionally starting with '\*\.', e\.g\. shop\.example\.com/ },
  { name: 'a release name that differs from its file name', files: { 'releases/shop.yaml': edit('name: shop', 'name: store') },
    at: { file: 'releases/shop.yaml', find: 'store', field: 'name' }, says: /release name does not match the file name 'shop\.yaml' \(got "store"\); rename the file to store\.yaml or set name: shop/ },
  { name: 'duplicate release names (shop.yaml and shop.yml)', files: { 'releases/shop.yml': SHOP },
    at: { file: 'releases/shop.yml', find: 'shop', field: 'name' }, says: /release name 'shop' is already used by releases\/shop\.yaml \(got "shop"\); give every release and release group a unique name/ },
  { name: 'a namespace name that is not a DNS-1123 label', files: { 'releases/shop.yaml': edit('production: shop', 'production: shop_prod') },
    at: { file: 'releases/shop.yaml', find: 'shop_prod', field: 'namespaces.production' }, says: /has an invalid format \(got "shop_prod"\)/ },
  { name: 'a namespace the release does not have (Redis host in another namespace)',
    files: { 'releases/shop.yaml': edit('  type: webapp\n', '  type: guestbook\n  redis:\n    host: redis.ns-other.svc.cluster.local\n') },
    at: { file: 'releases/shop.yaml', find: 'redis.ns-other', field: 'workload.redis.host' },
    says: /redis host names namespace 'ns-other', but this release deploys Redis in its production namespace 'shop' .*; use redis\.shop\.svc\.cluster\.local, or set workload\.redis\.deploy: false/ },
  { name: 'two releases generating the same Namespace', files: { 'releases/shop2.yaml': SHOP.replace('name: shop', 'name: shop2').replace('canary: shop-canary', 'canary: shop2-canary') },
    at: { file: 'releases/shop2.yaml', find: 'shop2', field: 'name' }, says: /Namespace shop is generated by both releases\/shop\.yaml and this release; set createNamespaces: false in one of the two releases/ },
  // Routers
  { name: 'an unknown router', files: { 'releases/shop.yaml': edit('type: gatewayApi', 'type: traefik') },
    at: { file: 'releases/shop.yaml', find: 'traefik', field: 'router.type' }, says: /unknown router type \(got "traefik"\); use one of 'nginx', 'gatewayApi', 'istio', 'openshiftRoute'/ },
  { name: 'a router option of another router', files: { 'releases/shop.yaml': `${SHOP}  host: shop.example.com\n` },
    at: { file: 'releases/shop.yaml', find: 'host:', field: 'router.host' }, says: /unknown field 'host'/ },
  { name: 'a router missing its required option', files: { 'releases/shop.yaml': SHOP.replace(/ {2}parentRefs:\n[\s\S]*$/, '') },
    at: { file: 'releases/shop.yaml', find: 'type: gatewayApi', field: 'router.parentRefs' }, says: /required field 'parentRefs' is missing/ },
  { name: 'a router option the router cannot honour (a Gateway API path with /../)', files: { 'releases/shop.yaml': `${SHOP}  path: /api/../admin\n` },
    at: { file: 'releases/shop.yaml', find: '/api/../admin', field: 'router.path' }, says: /the Gateway API refuses this path prefix: it must not contain '\/\.\.\/' \(got "\/api\/\.\.\/admin"\)/ },
  { name: 'namespaces a router cannot serve (Istio with the canary in another namespace)', files: { 'releases/shop.yaml': SHOP.replace(/router:\n[\s\S]*$/, 'router:\n  type: istio\n') },
    at: { file: 'releases/shop.yaml', find: 'shop-canary', field: 'namespaces.canary' }, says: /istio splits traffic between subsets of one Service, so the canary must run in the production namespace 'shop' \(got "shop-canary"\); remove namespaces\.canary or set it to shop/ },
  { name: 'an NGINX canary annotation ingress-nginx ignores on a canary ingress',
    files: { 'releases/shop.yaml': SHOP.replace(/router:\n[\s\S]*$/, 'router:\n  type: nginx\n  host: shop.example.com\n  canaryAnnotations:\n    nginx.ingress.kubernetes.io/rewrite-target: /\n') },
    at: { file: 'releases/shop.yaml', find: 'nginx.ingress.kubernetes.io/rewrite-target', field: 'router.canaryAnnotations["nginx.ingress.kubernetes.io/rewrite-target"]' }, says: /ingress-nginx ignores this annotation on a canary ingress/ },
  { name: 'header routing on an OpenShift Route (a Route matches host and path only)',
    files: { 'releases/shop.yaml': SHOP.replace('  canary: shop-canary\n', '').replace(/router:\n[\s\S]*$/, 'router:\n  type: openshiftRoute\n  domain: apps.example.com\n  header:\n    name: X-Canary\n') },
    at: { file: 'releases/shop.yaml', find: 'header:', field: 'router.header' }, says: /an openshift route cannot route by header: it matches on host and path only/ },
  // Gateway API: GRPCRoute, mirror, moving off ingress-nginx (issue 18)
  { name: 'a cookie tester on a GRPCRoute (gRPC clients send no cookies)', files: { 'releases/shop.yaml': `${SHOP.replace('type: gatewayApi', 'type: grpcRoute')}  cookie: tester\n` },
    at: { file: 'releases/shop.yaml', find: 'cookie:', field: 'router.cookie' }, says: /router grpcRoute cannot route by cookie: gRPC clients send no cookies \(got "tester"\); use router\.header/ },
  { name: 'a mirror share on a v1beta1 HTTPRoute (an older CRD would mirror every request)', files: { 'releases/shop.yaml': `${SHOP}  apiVersion: v1beta1\n  mirror:\n    percent: 10\n` },
    at: { file: 'releases/shop.yaml', find: 'mirror:', field: 'router.mirror' }, says: /router gatewayApi cannot mirror a share of requests with apiVersion v1beta1/ },
  { name: 'an unacknowledged NGINX cookie canary while moving to the Gateway API',
    files: { 'releases/shop.yaml': SHOP.replace(/router:\n[\s\S]*$/, 'router:\n  type: nginx\n  host: shop.example.com\n  cookie: tester\n  migrateTo:\n    gatewayApi:\n      parentRefs:\n        - name: public\n') },
    at: { file: 'releases/shop.yaml', find: 'tester', field: 'router.cookie' }, says: /carries this only implementation-specifically: canary-by-cookie .*listing 'cookie' in router\.migrateTo\.acknowledged/ },
  // A command the spec has no section (or field) for: at the field, or at the spec's top level where the section goes
  { name: 'migrate of a release that is not moving off ingress-nginx', args: ['migrate', 'shop'],
    at: { file: 'releases/shop.yaml', find: 'gatewayApi', field: 'router.type' }, says: /release shop is not moving off ingress-nginx \(router gatewayApi\), so migrate has nothing to drop \(got "gatewayApi"\); migrate drops the NGINX side/ },
  { name: 'migrate of an NGINX release without migrateTo', args: ['migrate', 'shop'],
    files: { 'releases/shop.yaml': SHOP.replace(/router:\n[\s\S]*$/, 'router:\n  type: nginx\n  host: shop.example.com\n') },
    at: { file: 'releases/shop.yaml', find: 'type: nginx', field: 'router.migrateTo' }, says: /release shop is not moving off ingress-nginx \(router nginx without migrateTo\), so migrate has nothing to drop; add router\.migrateTo\.gatewayApi/ },
  { name: 'verify of a release without checks', args: ['verify', 'shop', '--url', 'http://127.0.0.1:9'],
    at: { file: 'releases/shop.yaml', find: 'apiVersion', field: 'checks' }, says: /release shop declares no checks, so there is nothing to verify; add a checks: list, e\.g\. checks: \[\{name: health, path: \/healthz\}\]/ },
  { name: 'verify of a release with an empty checks list', args: ['verify', 'shop', '--url', 'http://127.0.0.1:9'], files: { 'releases/shop.yaml': `${SHOP}checks: []\n` },
    at: { file: 'releases/shop.yaml', find: '[]', field: 'checks' }, says: /release shop declares no checks, so there is nothing to verify \(got a list of 0\); add a checks: list/ },
  { name: 'analyze of a release without an analysis section', args: ['analyze', 'shop'],
    at: { file: 'releases/shop.yaml', find: 'apiVersion', field: 'analysis' }, says: /release shop has no analysis section, so there is nothing to analyze; add analysis: \{metrics: \[\.\.\.\]\}/ },
  // Release groups (scenario S3)
  { name: 'a release group whose call graph has a cycle', files: { 'releases/fb.yaml': `${GROUP}    calls:\n      - app: frontend-main\n        configKey: frontendmain.url\n` },
    at: { file: 'releases/fb.yaml', find: 'frontend-main\n        configKey: frontendmain', field: 'apps[1].calls[0].app' }, says: /call graph has a cycle: backend-main -> frontend-main -> backend-main|call graph has a cycle: frontend-main -> backend-main -> frontend-main/ },
  { name: 'a release group calling an app it does not have', files: { 'releases/fb.yaml': GROUP.replace('      - app: backend-main\n', '      - app: payments\n') },
    at: { file: 'releases/fb.yaml', find: 'payments', field: 'apps[0].calls[0].app' }, says: /payments/ },
  // Secrets
  { name: 'a release pointing at an undeclared Secret',
    files: { 'releases/shop.yaml': edit('      value: info\n', '      value: info\n    - name: DB_PASSWORD\n      secretKeyRef: { name: shop-db, key: password }\n') },
    at: { file: 'releases/shop.yaml', find: 'shop-db', field: 'workload.env[1].secretKeyRef.name' }, says: /Secret 'shop-db' is not declared in existingSecrets \(got "shop-db"\); add '- name: shop-db' to existingSecrets/ },
  { name: 'a Secret key the Secret does not hold',
    files: { 'releases/shop.yaml': `${edit('      value: info\n', '      value: info\n    - name: DB_PASSWORD\n      secretKeyRef: { name: shop-db, key: pasword }\n')}existingSecrets:\n  - name: shop-db\n    keys: [password]\n` },
    at: { file: 'releases/shop.yaml', find: 'pasword', field: 'workload.env[1].secretKeyRef.key' }, says: /key 'pasword' is not one of the keys of Secret 'shop-db' \(password\)/ },
  { name: 'an inlined secret value', files: { 'releases/shop.yaml': edit('      value: info\n', '      value: info\n    - name: API_TOKEN\n      value: s3cr3t-t0ken\n') },
    at: { file: 'releases/shop.yaml', find: 's3cr3t', field: 'workload.env[1].value' }, says: /env var 'API_TOKEN' looks like a secret but is inlined \(got "<hidden>"\)/ },
  { name: 'a private key pasted into config', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', '    TLS_KEY: "-----BEGIN RSA PRIVATE KEY-----\\nMIIE"\n') },
    at: { file: 'releases/shop.yaml', find: '"-----BEGIN', field: 'workload.config.TLS_KEY' }, says: /value looks like a private key; it would be committed to git in clear text \(got "<hidden>"\)/ },
  { name: 'a secret-named config key (ConfigMaps are clear text)', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', '    DB_PASSWORD: hunter2\n') },
    at: { file: 'releases/shop.yaml', find: 'hunter2', field: 'workload.config.DB_PASSWORD' }, says: /config key 'DB_PASSWORD' looks like a secret, and config is written to a ConfigMap in dist\/ in clear text/ },
  // The file itself
  { name: 'a YAML syntax error', files: { 'releases/shop.yaml': edit('steps: [0, 10, 50, 100]', 'steps: [0, 10, 50, 100') },
    at: { file: 'releases/shop.yaml', find: 'router:', field: '' }, says: /yaml syntax error: / },
  { name: 'tabs used for indentation', files: { 'releases/shop.yaml': edit('  replicas: 2', '\treplicas: 2') },
    at: { file: 'releases/shop.yaml', find: '\treplicas', field: '' }, says: /yaml syntax error: tabs are not allowed as indentation; indent with spaces$/ },
  { name: 'a field indented one space more than the fields above it (the YAML library points at the line before)', files: { 'releases/shop.yaml': edit('  replicas: 2', '   replicas: 2') },
    at: { file: 'releases/shop.yaml', find: 'replicas: 2', field: 'workload.replicas' }, says: /yaml syntax error: 'replicas' starts at column 4, not where the other fields of its mapping start; the field above it, '\w+' on line \d+, starts at column 3 \(got "replicas: 2"\); indent 'replicas' exactly like the fields it belongs with/ },
  { name: 'a duplicate key', files: { 'releases/shop.yaml': edit('  replicas: 2\n', '  replicas: 2\n  replicas: 3\n') },
    at: { file: 'releases/shop.yaml', find: 'replicas: 3', field: '' }, says: /yaml syntax error: map keys must be unique; remove one of the duplicate keys/ },
  { name: 'two YAML documents in one file', files: { 'releases/shop.yaml': `${SHOP}---\nname: again\n` },
    at: { file: 'releases/shop.yaml', find: '---', field: '' }, says: /yaml syntax error: the file holds more than one YAML document \(a second --- line\); keep one release per file/ },
  { name: 'a list where the spec mapping goes', files: { 'releases/shop.yaml': '- name: shop\n- kind: Release\n' },
    at: { file: 'releases/shop.yaml', find: '- name', field: '' }, says: /must be a mapping \(got a list of 2\)/ },
  { name: 'a custom YAML tag', files: { 'releases/shop.yaml': edit('replicas: 2', 'replicas: !env REPLICAS') },
    at: { file: 'releases/shop.yaml', find: '!env', field: '' }, says: /unresolved tag: !env; remove the tag/ },
  { name: 'an alias without its anchor', files: { 'releases/shop.yaml': edit('replicas: 2', 'replicas: *count') },
    at: { file: 'releases/shop.yaml', find: '*count', field: 'workload.replicas' }, says: /yaml alias error: unresolved alias/ },
  { name: 'an alias bomb (billion laughs)',
    files: { 'releases/shop.yaml': `${SHOP}x: &a [l, l, l, l, l, l, l, l, l, l]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nz: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nw: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n` },
    at: { file: 'releases/shop.yaml', find: '*a', field: 'y[0]' }, says: /yaml aliases expand too much \(more than 100 uses of one anchor's contents\)/ },
  { name: 'a file that is not UTF-8', files: { 'releases/shop.yaml': Buffer.concat([Buffer.from(edit('GREETING: hello', 'GREETING: caf')), Buffer.from([0xe9])]) },
    at: { file: 'releases/shop.yaml', find: Buffer.from([0xe9]), field: '' }, says: /file is not valid UTF-8 \(byte 0xe9 at offset \d+\); re-save the file as UTF-8/ },
  { name: 'an empty file', files: { 'releases/shop.yaml': '' },
    at: { file: 'releases/shop.yaml', find: '', field: '' }, says: /file is empty; write a release spec/ },
  { name: 'a file of comments only', files: { 'releases/shop.yaml': '# yaml-language-server: $schema=../lib/spec/schema/release.schema.json\n# TODO\n' },
    at: { file: 'releases/shop.yaml', find: '#', field: '' }, says: /file is empty/ },
  { name: 'a huge file', files: { 'releases/shop.yaml': `${SHOP}# ${'x'.repeat(2 * 1024 * 1024)}\n` },
    at: { file: 'releases/shop.yaml', find: '#', field: '' }, says: /file is too large \(\d+ bytes, limit 1048576\); a release spec is a few kilobytes/ },
  // Moves refused (the rollout CLI): bad arguments, impossible moves, a broken spec elsewhere
  { name: 'a weight above 100 on the command line', args: ['set-weight', 'shop', '150'], says: /^error: weight must be a whole number from 0 to 100 \(got "150"\); pass the canary's share of traffic out of 100$/ },
  { name: 'a weight that is not a whole number on the command line', args: ['set-weight', 'shop', '10.5'], says: /^error: weight must be a whole number from 0 to 100 \(got "10\.5"\)/ },
  { name: 'a weight that is not a number on the command line', args: ['set-weight', 'shop', 'half'], says: /^error: weight must be a whole number from 0 to 100 \(got "half"\)/ },
  { name: 'a move of an unknown release', args: ['step', 'nosuch'], says: /^error: unknown release 'nosuch'; releases: blog, shop \(see `npx cdk8s-canary status`\)$/ },
  { name: 'a step with no canary running', args: ['step', 'blog'], says: /^error: release blog has no canary running, so there is nothing to step; start one first: `npx cdk8s-canary start blog --version VERSION`$/ },
  { name: 'a promote with no canary running', args: ['promote', 'blog'], says: /^error: release blog has no canary running, so there is nothing to promote/ },
  { name: 'a start without --version', args: ['start', 'blog'], says: /^error: start needs the version the canary runs: `npx cdk8s-canary start blog --version VERSION`$/ },
  { name: '../ in a version given to start', args: ['start', 'blog', '--version', '../../x'], says: /^error: --version: has an invalid format \(got "\.\.\/\.\.\/x"\); use a valid image tag/ },
  { name: 'an image reference that is not one, given to start', args: ['start', 'blog', '--version', '2.0.0', '--image', 'NOT AN IMAGE'], says: /^error: --image: is not an image reference: it contains white space \(got "NOT AN IMAGE"\)/ },
  { name: 'a start of the version stable already runs', args: ['start', 'blog', '--version', '1.0.0'], says: /^error: canary version '1\.0\.0' is what stable already runs in release blog/ },
  { name: 'a move of a broken spec (a move reads its own spec only)', files: { 'releases/blog.yaml': BLOG.replace('replicas: 2', 'replicas: -1') }, args: ['step', 'blog'],
    at: { file: 'releases/blog.yaml', find: '-1', field: 'workload.replicas' }, says: /is out of range \(>= 0 required\) \(got -1\)/ },
  { name: 'a move over uncommitted changes to its spec', setup: (root) => fs.appendFileSync(path.join(root, 'releases/shop.yaml'), '# local note\n'), args: ['step', 'shop'],
    says: /^error: uncommitted changes in the paths this move would touch: releases\/shop\.yaml \(modified\); commit them, or stash them first: `git stash push -- releases\/shop\.yaml`$/ },
  { name: 'a move on a detached HEAD', setup: (root) => git(root, 'checkout', '-q', '--detach'), args: ['step', 'shop'], says: /^error: HEAD is detached at [0-9a-f]{7}; every move is a commit on a branch/ },
  { name: '--push without a commit', args: ['step', 'shop', '--push', '--no-commit'], says: /^error: --push needs a commit; drop --no-commit or --push$/ },
  // Wrong command lines
  { name: 'an output folder outside the repository', args: ['synth', '--output', '../outside'], says: /^error: --output \.\.\/outside: the output folder is outside the repository; use a folder of generated files inside the repository/ },
  { name: 'an absolute output folder elsewhere', args: ['synth', '--output', path.join(os.tmpdir(), 'cdk8s-canary-elsewhere')], says: /^error: --output \/.*cdk8s-canary-elsewhere: the output folder is outside the repository/ },
  { name: 'the repository root as output folder', args: ['synth', '--output', '.'], says: /^error: --output \.: the output folder is the repository root/ },
  { name: 'releases/ as output folder', args: ['synth', '--output', 'releases'], says: /^error: --output releases: the output folder would replace releases\// },
  { name: '.git as output folder', args: ['synth', '--output', '.git/dist'], says: /^error: --output \.git\/dist: the output folder would replace \.git\// },
  { name: 'an output folder holding files the tool did not generate', setup: (root) => { fs.mkdirSync(path.join(root, 'docs')); fs.writeFileSync(path.join(root, 'docs/notes.md'), '# notes\n'); git(root, 'add', '-A'); git(root, 'commit', '-qm', 'docs'); },
    args: ['synth', '--output', 'docs'], says: /^error: --output docs: docs\/notes\.md was not generated by cdk8s-canary and would be deleted/ },
  { name: 'an output folder reached through a symlink leaving the repository', setup: (root) => { fs.symlinkSync(os.tmpdir(), path.join(root, 'out')); git(root, 'add', '-A'); git(root, 'commit', '-qm', 'link'); },
    args: ['synth', '--output', 'out/dist'], says: /^error: --output out\/dist: the output folder leads outside the repository through a symlink/ },
  { name: 'a spec that is a symlink to a file outside the repository', setup: (root) => { fs.symlinkSync('/etc/hostname', path.join(root, 'releases/evil.yaml')); git(root, 'add', '-A'); git(root, 'commit', '-qm', 'link'); },
    says: /^releases\/evil\.yaml: spec file is a symlink to \/etc\/hostname, outside the repository; copy the spec into releases\/ instead of linking to it$/ },
  { name: 'a repository root that does not exist', args: ['-C', '/nonexistent/repo', 'synth'], says: /^error: -C \/nonexistent\/repo: no such directory; pass the project folder/ },
  { name: 'a folder outside any project', args: ['-C', '{root}/..', 'validate'], says: /^error: not inside a cdk8s-canary project: neither \S+ nor any parent folder holds releases\/ or cdk8s-canary.yaml; cd into your project/ },
  { name: 'an unknown option', args: ['synth', '--force-everything'], says: /^error: unknown option '--force-everything'/ },
  { name: 'an unexpected argument', args: ['synth', 'shop'], says: /^error: too many arguments for 'synth'\. Expected 0 arguments but got 1\./ },
  { name: 'an unknown command', args: ['deploy', 'shop'], says: /^error: unknown command 'deploy'/ },
];

/** Cases that cannot be written yet, and why. */
const PENDING: readonly string[] = [];

describe('bad-input catalogue (in-process and compiled CLI, real git)', () => {
  let repo: CatalogueRepo;
  beforeAll(() => {
    // GIVEN a repository with two valid releases, synthesized and committed (put back after every case)
    repo = catalogueRepo(synthesizedRepo({ 'releases/shop.yaml': SHOP, 'releases/blog.yaml': BLOG, '.gitignore': '' }));
  });
  afterAll(() => repo.cleanup());

  test('has at least 30 cases, all with distinct names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test.each(refusalRows(CASES))('fails on %s (%s CLI): exit 2, the message, nothing changed', async (_name, via, c) => {
    await expectRefusal(repo, c, ['synth'], via);
  });

  for (const p of PENDING) test.todo(`fails on ${p}`);
});


// ---------------------------------------------------------------------------------------------------
// Round 2 (issue 14): the same contract, run in-process through the CLI's own `run()` (argv in, exit
// code and printed lines out) in one shared repository that is put back after every case, so a case
// costs a few milliseconds of git instead of a node start-up and a repository copy. The compiled CLI
// itself is exercised by a sample of the cases above and by test/cli-*.test.ts.
// ---------------------------------------------------------------------------------------------------


/** The shop spec with smoke checks whose first check has these header lines (6-space indented). */
const withHeader = (line: string) => `${SHOP}checks:\n  - name: home\n    path: /\n    headers:\n      ${line}\n`;

const ROUND2: readonly Case[] = [
  // Hangs: secret scans are linear (a quadratic pattern took 120 s on a 1 MB description)
  { name: 'a 1 MB description made to stall a backtracking secret scan, with a URL password at its end',
    files: { 'releases/shop.yaml': `${SHOP}description: "${'a'.repeat(400000)}${'eyJ-'.repeat(100000)}${'a:'.repeat(100000)} https://deploy:hunter2@git.example.com"\n` },
    at: { file: 'releases/shop.yaml', find: '"aaaa', field: 'description' }, says: /value looks like a password in a URL; it would be committed to git in clear text \(got "<hidden>"\)/ },
  { name: 'an image name made to stall a backtracking reference parser', files: { 'releases/shop.yaml': edit('image: ghcr.io/example/shop', `image: ghcr.io/${'a'.repeat(60)}!`) },
    at: { file: 'releases/shop.yaml', find: 'ghcr.io/aaa', field: 'workload.image' }, says: /is not an image reference: it does not follow the reference grammar/ },
  // releases/ holds regular spec files with lowercase extensions: nothing hangs, nothing is skipped
  { name: 'a named pipe (FIFO) in releases/, which would block every read', setup: (root) => execFileSync('mkfifo', [path.join(root, 'releases/pipe.yaml')]),
    says: /^releases\/pipe\.yaml:1:1: spec file is a named pipe \(FIFO\), not a regular file; releases\/ holds spec files only/ },
  { name: 'a 1.5 GB sparse file in releases/ (refused before it is read)', setup: (root) => { fs.closeSync(fs.openSync(path.join(root, 'releases/huge.yaml'), 'w')); fs.truncateSync(path.join(root, 'releases/huge.yaml'), 1.5 * 1024 ** 3); },
    says: /^releases\/huge\.yaml:1:1: file is too large \(1610612736 bytes, limit 1048576\)/ },
  { name: 'a directory named like a spec file', setup: (root) => fs.mkdirSync(path.join(root, 'releases/old.yaml')),
    says: /^releases\/old\.yaml:1:1: spec file is a directory, not a regular file/ },
  { name: 'a spec file with an upper-case extension (it was silently skipped)', files: { 'releases/blog.YAML': BLOG.replace('name: blog', 'name: blog2') },
    says: /^releases\/blog\.YAML:1:1: spec file name ends in '\.YAML', not '\.yaml' or '\.yml'; rename it to blog\.yaml/ },
  // Control characters are escaped in every message (a terminal would act on them; a newline splits FILE:LINE:COL)
  { name: 'an ESC sequence in kind (it would recolour the terminal)', files: { 'releases/shop.yaml': edit('kind: Release', 'kind: "\\e[31mRelease"') },
    at: { file: 'releases/shop.yaml', find: '"\\e[31m', field: 'kind' }, says: /unknown kind '\\x1b\[31mRelease' \(got "\\u001b\[31mRelease"\); use one of 'Release', 'ReleaseGroup'$/ },
  { name: 'a newline in a field name (it would split the FILE:LINE:COL line)', files: { 'releases/shop.yaml': edit('  replicas: 2\n', '  replicas: 2\n  "rep\\nlicas": 3\n') },
    at: { file: 'releases/shop.yaml', find: '"rep', field: 'workload["rep\\nlicas"]' }, says: /unknown field 'rep\\nlicas'/ },
  { name: 'a bidirectional override in an env var name', files: { 'releases/shop.yaml': edit('    - name: LOG_LEVEL\n', '    - name: "LOG\\u202eLEVEL"\n') },
    at: { file: 'releases/shop.yaml', find: '"LOG', field: 'workload.env[0].name' }, says: /has an invalid format \(got "LOG\\u202eLEVEL"\)/ },
  { name: 'an ESC sequence in a release name on the command line', args: ['step', 'sh\x1b[2Jop'], says: /^error: unknown release 'sh\\x1b\[2Jop'; releases: blog, shop \(see `npx cdk8s-canary status`\)$/ },
  { name: 'a control character in an unknown option', args: ['synth', '--out\x07put'], says: /^error: unknown option '--out\\x07put'/ },
  // workload.config keys follow the ConfigMap key rule
  { name: 'a config key with a space', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', '    GREETING: hello\n    "my key": x\n') },
    at: { file: 'releases/shop.yaml', find: '"my key"', field: 'workload.config["my key"]' }, says: /key has an invalid format \(got "my key"\); use a ConfigMap key: letters, digits/ },
  { name: 'a config key with ../', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', '    GREETING: hello\n    ../etc: x\n') },
    at: { file: 'releases/shop.yaml', find: '../etc', field: 'workload.config["../etc"]' }, says: /key has an invalid format \(got "\.\.\/etc"\)/ },
  { name: 'an empty config key', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', '    GREETING: hello\n    "": x\n') },
    at: { file: 'releases/shop.yaml', find: '"": x', field: 'workload.config[""]' }, says: /key (must not be empty|has an invalid format) \(got ""\)/ },
  { name: 'a config key of 300 characters', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', `    GREETING: hello\n    ${'k'.repeat(300)}: x\n`) },
    at: { file: 'releases/shop.yaml', find: 'kkkk', field: `workload.config.${'k'.repeat(300)}` }, says: /key is too long \(at most 253 characters\)/ },
  { name: 'the merge key << as a config key (kustomize drops it)', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', '    GREETING: hello\n    "<<": x\n') },
    at: { file: 'releases/shop.yaml', find: '"<<"', field: 'workload.config["<<"]' }, says: /key has an invalid format \(got "<<"\)/ },
  // Kubernetes name and label limits of single releases, at load time
  { name: 'a release name too long for its canary (57 characters)', files: { 'releases/nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn.yaml': SHOP.replace('name: shop', 'name: nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn') },
    at: { file: 'releases/nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn.yaml', find: 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn', field: 'name' }, says: /the canary Deployment and Service would be named 'n+-canary', which is 64 characters long, more than the 63 of a DNS-1035 label .*shorten the release name to at most 56 characters, or set workload\.names\.canary/ },
  { name: 'a release name starting with a digit (an invalid Service name)', files: { 'releases/0day.yaml': SHOP.replace('name: shop', 'name: 0day') },
    at: { file: 'releases/0day.yaml', find: '0day', field: 'name' }, says: /the production Service would be named '0day', which is not a DNS-1035 label/ },
  { name: 'a version longer than a label value', files: { 'releases/shop.yaml': edit('version: 1.1.0', `version: 1.1.0-${'r'.repeat(60)}`) },
    at: { file: 'releases/shop.yaml', find: '1.1.0-rrr', field: 'canary.version' }, says: /the version is also the pods' version label, and this one is 66 characters long, more than the 63 of a label value/ },
  { name: 'a version ending in a dash (an invalid label value)', args: ['start', 'blog', '--version', '2.0.0-'],
    says: /^releases\/blog\.yaml:\d+:\d+: canary\.version: the version is also the pods' version label, and this one is not a valid label value/ },
  { name: 'a generated object name the API server would refuse (a ReferenceGrant named after a 250-character route)',
    files: { 'releases/shop.yaml': `${SHOP}  routeName: ${'r'.repeat(250)}\n` },
    at: { file: 'releases/shop.yaml', find: 'shop\n', field: 'name' }, says: /this spec generates ReferenceGrant 'r+-to-shop-canary', which is 265 characters long, more than the 253 of a DNS-1123 subdomain/ },
  // Small accepted inputs
  { name: 'a NUL in an env value', files: { 'releases/shop.yaml': edit('      value: info\n', '      value: "in\\0fo"\n') },
    at: { file: 'releases/shop.yaml', find: '"in', field: 'workload.env[0].value' }, says: /holds a NUL character, which no container, env var or YAML reader takes/ },
  { name: 'a duplicate env name', files: { 'releases/shop.yaml': edit('      value: info\n', '      value: info\n    - name: LOG_LEVEL\n      value: debug\n') },
    at: { file: 'releases/shop.yaml', find: 'LOG_LEVEL\n      value: debug', field: 'workload.env[1].name' }, says: /env var 'LOG_LEVEL' is already set by workload\.env\[0\]/ },
  { name: 'a REDIS_HOST env var overriding the guestbook one', files: { 'releases/shop.yaml': edit('  type: webapp\n', '  type: guestbook\n').replace('    - name: LOG_LEVEL\n', '    - name: REDIS_HOST\n') },
    at: { file: 'releases/shop.yaml', find: 'REDIS_HOST', field: 'workload.env[0].name' }, says: /env var 'REDIS_HOST' is set by the guestbook workload from its Redis settings \(got "REDIS_HOST"\); remove it and set workload\.redis/ },
  { name: 'a configuration-snippet annotation on the production Ingress (CVE-2021-25742)',
    files: { 'releases/shop.yaml': SHOP.replace(/router:\n[\s\S]*$/, 'router:\n  type: nginx\n  host: shop.example.com\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: "more_set_headers \'X-A: b\';"\n') },
    at: { file: 'releases/shop.yaml', find: 'nginx.ingress.kubernetes.io/configuration-snippet', field: 'router.annotations["nginx.ingress.kubernetes.io/configuration-snippet"]' }, says: /snippet annotations inject raw NGINX configuration; ingress-nginx disables them by default since CVE-2021-25742/ },
  // Data loss: synth replaces dist/ whole, so files it did not generate stop it
  { name: 'notes and a hand-written manifest under dist/ (synth would delete them)',
    setup: (root) => { fs.writeFileSync(path.join(root, 'dist/NOTES.md'), 'notes\n'); fs.mkdirSync(path.join(root, 'dist/extra')); fs.writeFileSync(path.join(root, 'dist/extra/cm.yaml'), 'x: 1\n'); },
    says: /^error: dist\/ holds 2 files cdk8s-canary did not generate, which synth would delete: dist\/NOTES\.md, dist\/extra\/cm\.yaml; move them out of dist\/ \(or delete them\), then run the command again$/ },
  { name: 'a generated manifest whose header was edited away', setup: (root) => {
    const f = path.join(root, 'dist/shop/shop/service-shop.yaml');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').split('\n').slice(1).join('\n'));
  }, says: /^error: dist\/ holds a file cdk8s-canary did not generate, which synth would delete: dist\/shop\/shop\/service-shop\.yaml; move it out of dist\// },
  // Namespaces and projects a release must not take
  { name: 'kube-system as a release namespace (it would be labelled and pruned)', files: { 'releases/shop.yaml': edit('production: shop', 'production: kube-system') },
    at: { file: 'releases/shop.yaml', find: 'kube-system', field: 'namespaces.production' }, says: /namespace 'kube-system' is a Kubernetes system namespace \(the kube- prefix is reserved\); a release owns its namespaces .*; deploy the release into a namespace of its own/ },
  { name: 'default as the canary namespace', files: { 'releases/shop.yaml': edit('canary: shop-canary', 'canary: default') },
    at: { file: 'releases/shop.yaml', find: 'default', field: 'namespaces.canary' }, says: /namespace 'default' is Kubernetes' default namespace/ },
  { name: 'an OpenShift namespace as a release group project', files: { 'releases/fb.yaml': GROUP.replace('project: fb-backend', 'project: openshift-monitoring') },
    at: { file: 'releases/fb.yaml', find: 'openshift-monitoring', field: 'apps[1].project' }, says: /namespace 'openshift-monitoring' is reserved by OpenShift.*; deploy the release into a namespace of its own: set apps\[1\]\.project to another name/ },
  { name: "Argo CD's namespace as a release namespace", files: { 'releases/shop.yaml': edit('canary: shop-canary', 'canary: argocd') },
    at: { file: 'releases/shop.yaml', find: 'argocd', field: 'namespaces.canary' }, says: /namespace 'argocd' is the namespace Argo CD runs in \(argocd\.namespace in cdk8s-canary\.yaml\).*; deploy the release into a namespace of its own: set namespaces\.canary to another name/ },
  { name: "Flux's configured namespace as a release namespace", files: { 'cdk8s-canary.yaml': `${CONFIG}flux:\n  namespace: gitops\n`, 'releases/shop.yaml': edit('canary: shop-canary', 'canary: gitops') },
    at: { file: 'releases/shop.yaml', find: 'gitops', field: 'namespaces.canary' }, says: /namespace 'gitops' is the namespace Flux runs in \(flux\.namespace in cdk8s-canary\.yaml\)/ },
  { name: "argocd.project: default (Argo CD's built-in project)", files: { 'cdk8s-canary.yaml': `${CONFIG}argocd:\n  project: default\n` },
    at: { file: 'cdk8s-canary.yaml', find: 'default', field: 'argocd.project' }, says: /'default' is Argo CD's built-in project: generating it would overwrite the project every other Application falls back to/ },
  { name: 'a Flux tenant naming a release that does not exist', files: { 'cdk8s-canary.yaml': `${CONFIG}flux:\n  tenants:\n    - serviceAccountName: team-a\n      releases: [shop, shpo]\n` },
    at: { file: 'cdk8s-canary.yaml', find: 'shpo', field: 'flux.tenants[0].releases[1]' }, says: /no release or release group is named 'shpo' \(got "shpo"\); use one of blog, shop/ },
  // Cross-release clashes synth used to miss
  { name: "two releases with one app label in one namespace (each Service selects the other's pods)",
    files: { 'releases/blog.yaml': BLOG.replace('production: blog', 'production: shop').replace('  type: webapp\n', '  type: webapp\n  appLabel: shop\n').replace('kind: Release\n', 'kind: Release\ncreateNamespaces: false\n') },
    at: { file: 'releases/blog.yaml', find: 'shop', occurrence: 2, field: 'workload.appLabel' }, says: /releases\/shop\.yaml also runs pods labelled app=shop in namespace shop: each release's Services would select the other's pods/ },
  { name: 'a baseline release in a namespace another release enforces as restricted',
    files: { 'releases/blog.yaml': BLOG.replace('production: blog', 'production: shop').replace('  type: webapp\n', '  type: webapp\n  podSecurity:\n    profile: baseline\n').replace('kind: Release\n', 'kind: Release\ncreateNamespaces: false\n') },
    at: { file: 'releases/blog.yaml', find: 'baseline', field: 'workload.podSecurity.profile' }, says: /namespace shop is created by releases\/shop\.yaml with pod-security enforce: restricted, so the API server would reject this release's baseline pods there/ },
  // Anchors and aliases on the fields moves edit (abort is never blocked: test/hardening.test.ts)
  { name: 'an anchored canary weight that the ladder aliases (set-weight would rewrite the ladder)',
    files: { 'releases/shop.yaml': edit('weight: 10', 'weight: &w 10').replace('steps: [0, 10, 50, 100]', 'steps: [0, *w, 50, 100]') }, args: ['set-weight', 'shop', '20'],
    at: { file: 'releases/shop.yaml', find: '10\nsteps', field: 'canary.weight' }, says: /carries the YAML anchor &w; moves edit this field in place, and an anchor's aliases elsewhere would change with it; write the value out/ },
  { name: 'a stable version that is an alias (promote would replace the alias)',
    files: { 'releases/shop.yaml': `${edit('  version: 1.0.0\n', '  version: *v\n')}description: &v 1.0.0\n`.replace('description: &v 1.0.0\n', '').replace('kind: Release\n', 'kind: Release\ndescription: &v 1.0.0\n') }, args: ['promote', 'shop'],
    at: { file: 'releases/shop.yaml', find: '*v', field: 'stable.version' }, says: /carries the YAML alias \*v; moves edit this field in place/ },
  // Characters no reader after kustomize gets back intact (the emitter escapes them; kustomize still mangles them)
  { name: 'a DEL in a config value (kustomize fails on it)', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', '    GREETING: "hel\\x7flo"\n') },
    at: { file: 'releases/shop.yaml', find: '"hel', field: 'workload.config.GREETING' }, says: /holds U\+007F \(DEL\), a character kustomize \(and so Argo CD and Flux\) cannot carry/ },
  { name: 'a NEL in an env value (kustomize turns it into a space)', files: { 'releases/shop.yaml': edit('      value: info\n', '      value: "in\\Nfo"\n') },
    at: { file: 'releases/shop.yaml', find: '"in', field: 'workload.env[0].value' }, says: /holds U\+0085 \(NEL\)/ },
  { name: 'a line separator (U+2028) in the description', files: { 'releases/shop.yaml': `${SHOP}description: "line one\\Lline two"\n` },
    at: { file: 'releases/shop.yaml', find: '"line one', field: 'description' }, says: /holds U\+2028 \(LINE SEPARATOR\)/ },
  // Moves run the cross-release checks and the lint synth runs
  { name: "a start whose canary would clash with a release named like it (blog-canary beside start blog)",
    files: { 'releases/blog-canary.yaml': BLOG.replace(/name: blog\n/, 'name: blog-canary\n').replace('production: blog\n', 'production: blog-canary\n').replace('  canary: blog-canary\n', '').replace('kind: Release\n', 'kind: Release\ncreateNamespaces: false\n') },
    args: ['start', 'blog', '--version', '2.0.0'],
    at: { file: 'releases/blog-canary.yaml', find: 'blog-canary', field: 'name' }, says: /ConfigMap blog-canary\/blog-canary-config is generated by both releases\/blog\.yaml and this release; give the object another name/ },
  // Moves never write through a symlink leaving the repository
  { name: 'a committed dist symlink leading outside the repository, before a move', setup: (root) => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-outside-'));
    fs.cpSync(path.join(root, 'dist'), path.join(outside, 'dist'), { recursive: true });
    git(root, 'rm', '-rq', '--cached', 'dist'); fs.rmSync(path.join(root, 'dist'), { recursive: true }); fs.symlinkSync(path.join(outside, 'dist'), path.join(root, 'dist'));
    git(root, 'add', 'dist'); git(root, 'commit', '-qm', 'dist elsewhere');
  }, args: ['step', 'shop'], says: /^error: dist\/shop leads outside the repository through a symlink \(to .*cdk8s-canary-outside-.*\/dist\/shop\); a move writes only inside the repository/ },
  { name: 'a cdk8s-canary.yaml that is a symlink leading outside the repository', setup: (root) => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-outside-'));
    fs.copyFileSync(path.join(root, 'cdk8s-canary.yaml'), path.join(outside, 'project.yaml'));
    git(root, 'rm', '-q', 'cdk8s-canary.yaml'); fs.symlinkSync(path.join(outside, 'project.yaml'), path.join(root, 'cdk8s-canary.yaml'));
    git(root, 'add', '-A'); git(root, 'commit', '-qm', 'project file elsewhere');
  }, args: ['validate'], says: /^cdk8s-canary\.yaml:1:1: cdk8s-canary\.yaml is a symlink to .*cdk8s-canary-outside-.*\/project\.yaml, outside the repository; put the project file itself at the repository root/ },
  { name: 'an output folder inside dist/ (it would nest a whole tree there)', args: ['synth', '--output', 'dist/argocd'],
    says: /^error: --output dist\/argocd: the output folder is inside dist\/, the output of a synth; use a folder of generated files inside the repository, such as dist$/ },
  { name: 'a cdk8s-canary.yaml that is a directory', setup: (root) => {
    git(root, 'rm', '-q', 'cdk8s-canary.yaml'); fs.mkdirSync(path.join(root, 'cdk8s-canary.yaml')); fs.writeFileSync(path.join(root, 'cdk8s-canary.yaml', 'note'), 'x\n');
    git(root, 'add', '-A'); git(root, 'commit', '-qm', 'a folder');
  }, args: ['validate'], says: /^cdk8s-canary\.yaml:1:1: cdk8s-canary\.yaml is a directory; the project file is one YAML file at the repository root: replace it by a file/ },
  { name: 'a symlink to a folder inside dist/, read by traffic', setup: (root) => {
    fs.symlinkSync('/etc', path.join(root, 'dist', 'shop', 'shop', 'evil.yaml'));
    git(root, 'add', 'dist'); git(root, 'commit', '-qm', 'a symlink in dist');
  }, args: ['traffic', 'shop'], says: /^error: .*dist\/shop\/shop\/evil\.yaml is a symlink \(to \/etc\); the output folder holds only files synth writes: remove it$/ },
  { name: 'a committed releases symlink leading outside the repository, before a move', setup: (root) => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-outside-'));
    fs.cpSync(path.join(root, 'releases'), path.join(outside, 'releases'), { recursive: true });
    git(root, 'rm', '-rq', '--cached', 'releases'); fs.rmSync(path.join(root, 'releases'), { recursive: true }); fs.symlinkSync(path.join(outside, 'releases'), path.join(root, 'releases'));
    git(root, 'add', 'releases'); git(root, 'commit', '-qm', 'releases elsewhere');
  }, args: ['step', 'shop'], says: /^releases\/shop\.yaml: spec file leads outside the repository through a symlinked folder \(to .*cdk8s-canary-outside-/ },
  // Secrets: one name rule everywhere, the project config scanned, credential-shaped header values
  { name: 'a password in the repository URL of cdk8s-canary.yaml', files: { 'cdk8s-canary.yaml': CONFIG.replace('https://github.com', 'https://deploy:ghs0123456789@github.com') },
    at: { file: 'cdk8s-canary.yaml', find: 'https://deploy', field: 'repository.url' }, says: /value looks like a password in a URL; it would be committed to git in clear text \(got "<hidden>"\); .*credentials Secret/ },
  { name: 'a bearer token as a check header value', files: { 'releases/shop.yaml': withHeader('X-Upstream-Auth: Bearer 7f3a9c2e1b4d') },
    at: { file: 'releases/shop.yaml', find: 'Bearer', field: 'checks[0].headers.X-Upstream-Auth' }, says: /header 'X-Upstream-Auth' has a credential as its value .* \(got "<hidden>"\); check an endpoint that needs no credentials, or pass the header from CI/ },
  { name: 'basic credentials as a check header value', files: { 'releases/shop.yaml': withHeader('X-Forwarded-Authorization: "Basic dXNlcjpwYXNzd29yZA=="') },
    at: { file: 'releases/shop.yaml', find: '"Basic', field: 'checks[0].headers.X-Forwarded-Authorization' }, says: /\(got "<hidden>"\)/ },
  { name: 'an inlined env value named PASSWD', files: { 'releases/shop.yaml': edit('      value: info\n', '      value: info\n    - name: PASSWD\n      value: letmein\n') },
    at: { file: 'releases/shop.yaml', find: 'letmein', field: 'workload.env[1].value' }, says: /env var 'PASSWD' looks like a secret but is inlined \(got "<hidden>"\)/ },
  { name: 'an inlined env value named DB_CREDENTIALS', files: { 'releases/shop.yaml': edit('      value: info\n', '      value: info\n    - name: DB_CREDENTIALS\n      value: app:letmein\n') },
    at: { file: 'releases/shop.yaml', find: 'app:letmein', field: 'workload.env[1].value' }, says: /env var 'DB_CREDENTIALS' looks like a secret but is inlined/ },
  { name: 'an inlined env value named DB_PASS', files: { 'releases/shop.yaml': edit('      value: info\n', '      value: info\n    - name: DB_PASS\n      value: letmein\n') },
    at: { file: 'releases/shop.yaml', find: 'letmein', field: 'workload.env[1].value' }, says: /env var 'DB_PASS' looks like a secret but is inlined/ },
  { name: 'a camelCase secret config key (dbPass)', files: { 'releases/shop.yaml': edit('    GREETING: hello\n', '    dbPass: letmein\n') },
    at: { file: 'releases/shop.yaml', find: 'letmein', field: 'workload.config.dbPass' }, says: /config key 'dbPass' looks like a secret/ },
  // Image references, by the distribution grammar
  { name: 'a tag in workload.image (it would render ...:latest:1.0.0)', files: { 'releases/shop.yaml': edit('image: ghcr.io/example/shop', 'image: ghcr.io/example/shop:latest') },
    at: { file: 'releases/shop.yaml', find: 'ghcr.io/example/shop:latest', field: 'workload.image' }, says: /is the image repository, without a tag or digest, but it has the tag ':latest' \(got "ghcr\.io\/example\/shop:latest"\); write 'ghcr\.io\/example\/shop' here: the version is the tag; for a full reference .* set stable\.image/ },
  { name: 'a digest in workload.image', files: { 'releases/shop.yaml': edit('image: ghcr.io/example/shop', `image: ghcr.io/example/shop@sha256:${'c'.repeat(64)}`) },
    at: { file: 'releases/shop.yaml', find: 'ghcr.io/example/shop@', field: 'workload.image' }, says: /without a tag or digest, but it has a digest/ },
  { name: 'an image reference with two tags (x:1:2)', files: { 'releases/shop.yaml': edit('image: ghcr.io/example/shop', 'image: x:1:2') },
    at: { file: 'releases/shop.yaml', find: 'x:1:2', field: 'workload.image' }, says: /is not an image reference: it does not follow the reference grammar/ },
  { name: 'an image path with ..', files: { 'releases/shop.yaml': edit('image: ghcr.io/example/shop', 'image: ghcr.io/../shop') },
    at: { file: 'releases/shop.yaml', find: 'ghcr.io/../shop', field: 'workload.image' }, says: /is not an image reference: '\.' and '\.\.' are not path components/ },
  { name: 'a stable.image with neither tag nor digest', files: { 'releases/shop.yaml': edit('  version: 1.0.0\n', '  version: 1.0.0\n  image: ghcr.io/example/shop\n') },
    at: { file: 'releases/shop.yaml', find: 'ghcr.io/example/shop\ncanary', field: 'stable.image' }, says: /has neither a tag nor a digest, so it would run whatever :latest is/ },
  { name: 'a digest of the wrong length in stable.image', files: { 'releases/shop.yaml': edit('  version: 1.0.0\n', `  version: 1.0.0\n  image: ghcr.io/example/shop@sha256:${'d'.repeat(40)}\n`) },
    at: { file: 'releases/shop.yaml', find: 'ghcr.io/example/shop@', field: 'stable.image' }, says: /is not an image reference: invalid checksum digest length/ },
  { name: 'an upper-case image given to start --image', args: ['start', 'blog', '--version', '2.0.0', '--image', 'GHCR.io/Example/Blog:2.0.0'],
    says: /^error: --image: is not an image reference: repository names must be lowercase/ },
  { name: 'a tag in a release group app image', files: { 'releases/fb.yaml': GROUP.replace('quay.io/example/backend-main', 'quay.io/example/backend-main:1.1') },
    at: { file: 'releases/fb.yaml', find: 'quay.io/example/backend-main:1.1', field: 'apps[1].image' }, says: /without a tag or digest, but it has the tag ':1\.1'.*a group app always runs the tag of its version/ },
];

describe('bad-input catalogue, round 2 (in-process CLI, one repository reset between cases)', () => {
  let repo: CatalogueRepo;
  let runCli: (argv: string[], io: { out(l: string): void; err(l: string): void }) => Promise<number>;
  beforeAll(async () => {
    runCli = (await import('../lib/cli/main')).run;
    // GIVEN a repository with two valid releases and a project config, synthesized and committed
    const built = tempRepo({ 'releases/shop.yaml': SHOP, 'releases/blog.yaml': BLOG, 'cdk8s-canary.yaml': CONFIG, '.gitignore': '' });
    const r = await inProcess(built.root, ['synth']);
    if (r.status !== 0) throw new Error(`baseline synth failed: ${r.stderr}`);
    git(built.root, 'add', '-A');
    git(built.root, 'commit', '-qm', 'synth');
    // (put back exactly after every case: branch, index, working tree, and nothing left in .git)
    repo = catalogueRepo(built);
  });
  afterAll(() => repo.cleanup());

  async function inProcess(root: string, args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const status = await runCli(['node', 'cdk8s-canary', '-C', root, ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { status, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
  }

  test('adds at least 40 cases, all with distinct names', () => {
    expect(ROUND2.length).toBeGreaterThanOrEqual(40);
    expect(new Set([...CASES, ...ROUND2].map((c) => c.name)).size).toBe(CASES.length + ROUND2.length);
  });

  test.each(ROUND2.map((c) => [c.name, c] as const))('fails on %s: exit 2, the message, nothing changed', async (_name, c) => {
    await expectRefusal(repo, c, ['synth'], 'in-process');
  });
});
