import * as fs from 'fs';
import * as path from 'path';
import { edit } from './support/catalogue-specs';
import { cli, git, synthesizedRepo } from './support/cli-repo';
import { runCli } from './support/cli';
import { CatalogueRepo, catalogueRepo, refusalRows, refusalState, resetAfter } from './support/refusal-case';
import { catalogSpec, fixtureFiles, NGINX_ROUTER, podinfoSpec } from './support/manifests-repo';

/**
 * The bad-input catalogue of `workload.type: manifests` (issue 16), in the shape of
 * test/bad-input.test.ts: each case runs the CLI (in-process; every sixth case also through the
 * compiled CLI, see refusalRows) in a real git repository whose specs,
 * manifests folders and dist/ are committed; it must exit 2, name the spec file, line, column and
 * field with the fix, and leave the working tree, dist/, the index and the history as they were.
 */

const PODINFO_SPEC = podinfoSpec(NGINX_ROUTER);
const CATALOG_SPEC = catalogSpec('  type: gatewayApi\n  parentRefs:\n    - name: public\n      namespace: gateway-system\n');
const KUSTOMIZATION = fixtureFiles('podinfo', 'apps/podinfo')['apps/podinfo/kustomization.yaml'];
const SERVICES = fixtureFiles('catalog', 'apps/catalog')['apps/catalog/services.yaml'];
const PDB = fixtureFiles('catalog', 'apps/catalog')['apps/catalog/pdb.yaml'];

interface Case {
  readonly name: string;
  /** Files written and committed before the command. */
  readonly files: Readonly<Record<string, string>>;
  /** @default ['synth'] */
  readonly args?: readonly string[];
  /** The spec file, the text whose first occurrence marks line and column (at its '|' when it has one), and the field path. */
  readonly at: { readonly file: string; readonly find: string; readonly field: string };
  readonly says: RegExp;
}

const P = 'releases/podinfo.yaml';
const C = 'releases/catalog.yaml';
const SECOND_DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: catalog-worker\nspec:\n  selector:\n    matchLabels: {app: worker}\n  template:\n    metadata:\n      labels: {app: worker}\n    spec:\n      containers:\n        - name: worker\n          image: ghcr.io/example/worker:1.0.0\n';

const CASES: readonly Case[] = [
  { name: 'a kustomize folder that does not build', files: { 'apps/podinfo/kustomization.yaml': `${KUSTOMIZATION}  - missing.yaml\n` },
    at: { file: P, find: 'apps/podinfo', field: 'workload.path' }, says: /kubectl kustomize apps\/podinfo failed: .*missing\.yaml.*; fix the kustomization until `kubectl kustomize apps\/podinfo` builds/ },
  { name: 'a move while the folder does not build', files: { 'apps/podinfo/kustomization.yaml': `${KUSTOMIZATION}  - missing.yaml\n` }, args: ['start', 'podinfo', '--version', '6.2.0'],
    at: { file: P, find: 'apps/podinfo', field: 'workload.path' }, says: /kubectl kustomize apps\/podinfo failed/ },
  { name: 'a named Deployment that does not exist, listing those that do', files: { [P]: edit(PODINFO_SPEC, '  path: apps/podinfo\n', '  path: apps/podinfo\n  deployment: podinfo-api\n') },
    at: { file: P, find: 'podinfo-api', field: 'workload.deployment' }, says: /no Deployment named 'podinfo-api' in apps\/podinfo \(Deployments: podinfo\) \(got "podinfo-api"\); use one of podinfo/ },
  { name: 'a named container that does not exist, listing those that do', files: { [C]: edit(CATALOG_SPEC, '[catalog, migrate]', '[catalog, migrater]') },
    at: { file: C, find: 'migrater', field: 'workload.containers[1]' }, says: /Deployment catalog has no container named 'migrater' \(containers: catalog, log-shipper, migrate\)/ },
  { name: 'two Deployments and no deployment named', files: { 'apps/catalog/worker.yaml': SECOND_DEPLOYMENT },
    at: { file: C, find: 'apps/catalog', field: 'workload.path' }, says: /apps\/catalog holds 2 Deployments \(catalog, catalog-worker\) and the release does not say which one carries the version \(got "apps\/catalog"\); add workload\.deployment: one of catalog, catalog-worker/ },
  { name: 'a named Service that does not select the Deployment\'s pods', files: { 'apps/catalog/services.yaml': SERVICES.replace('  selector:\n    app.kubernetes.io/name: catalog\n  ports:\n    - name: http', '  selector:\n    app.kubernetes.io/name: catalog-v2\n  ports:\n    - name: http') },
    at: { file: C, find: 'service: |catalog', field: 'workload.service' }, says: /Service catalog does not select the pods of Deployment catalog: its selector app\.kubernetes\.io\/name=catalog-v2 does not match the pod labels/ },
  { name: 'a manifests folder inside dist/', files: { [P]: edit(PODINFO_SPEC, 'path: apps/podinfo', 'path: dist/podinfo/podinfo') },
    at: { file: P, find: 'dist/podinfo/podinfo', field: 'workload.path' }, says: /the manifests folder is inside the output folder dist\/ \(got "dist\/podinfo\/podinfo"\); dist\/ is generated/ },
  { name: 'a Deployment whose replicas are left to an HPA and no canary choice', files: { [P]: edit(PODINFO_SPEC, '  canaryReplicas: 1\n', '') },
    at: { file: P, find: 'type: manifests', field: 'workload' }, says: /the replicas of Deployment podinfo are left to HorizontalPodAutoscaler podinfo \(apps\/podinfo \(kubectl kustomize\)\), and the release does not say how the canary scales; add workload\.canaryReplicas/ },
  { name: 'a Secret in the folder (it would be committed)', files: { 'apps/catalog/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: catalog-db\nstringData:\n  password: hunter2\n' },
    at: { file: C, find: 'apps/catalog', field: 'workload.path' }, says: /Secret catalog-db \(apps\/catalog\/secret\.yaml\) would be written to dist\/ and committed with its values/ },
  { name: 'a manifests folder outside the repository', files: { [P]: edit(PODINFO_SPEC, 'path: apps/podinfo', 'path: ../podinfo') },
    at: { file: P, find: '../podinfo', field: 'workload.path' }, says: /the manifests folder must be inside the repository/ },
  { name: 'a manifests folder that does not exist', files: { [P]: edit(PODINFO_SPEC, 'path: apps/podinfo', 'path: apps/podinfoo') },
    at: { file: P, find: 'apps/podinfoo', field: 'workload.path' }, says: /no such folder \(got "apps\/podinfoo"\); create apps\/podinfoo\// },
  { name: 'a Secret the pods read that existingSecrets does not declare', files: { [C]: edit(CATALOG_SPEC, '  - name: catalog-db\n', '  - name: catalog-tls\n') },
    at: { file: C, find: 'existingSecrets:\n  |- name', field: 'existingSecrets' }, says: /Deployment catalog reads Secret 'catalog-db' \(spec\.template\.spec\.initContainers\[0\]\.env\[0\]\), which is not declared in existingSecrets/ },
  { name: 'pods that break the restricted profile the release\'s Namespaces enforce', files: { [P]: edit(PODINFO_SPEC, '  podSecurity:\n    profile: baseline\n', '') },
    at: { file: P, find: 'type: manifests', field: 'workload.podSecurity' }, says: /the pods of Deployment podinfo break the restricted Pod Security Standard that this release's Namespaces enforce: .*; declare workload\.podSecurity\.profile: baseline/ },
  { name: 'a folder object in another namespace', files: { 'apps/catalog/pdb.yaml': PDB.replace('  name: catalog\n', '  name: catalog\n  namespace: shop\n') },
    at: { file: C, find: 'production: |catalog', field: 'namespaces.production' }, says: /PodDisruptionBudget catalog \(apps\/catalog\/pdb\.yaml\) is in namespace 'shop', but the release's production namespace is 'catalog'/ },
  { name: 'a canary Service name the folder already uses', files: { [C]: edit(CATALOG_SPEC, '  service: catalog\n', '  service: catalog\n  names:\n    canaryService: catalog-metrics\n') },
    at: { file: C, find: 'catalog-metrics', field: 'workload.names.canaryService' }, says: /the canary's Service would be named 'catalog-metrics', which Service catalog-metrics \(apps\/catalog\/services\.yaml\) already uses/ },
  { name: 'several containers and none named', files: { [C]: edit(CATALOG_SPEC, '  containers: [catalog, migrate]\n', '') },
    at: { file: C, find: 'type: manifests', field: 'workload.containers' }, says: /Deployment catalog has 2 containers \(catalog, log-shipper\) and the release does not say which one\(s\) the version sets; add workload\.containers: \[catalog\]/ },
  { name: 'two Services selecting the pods and none named', files: { [C]: edit(CATALOG_SPEC, '  service: catalog\n', '') },
    at: { file: C, find: 'type: manifests', field: 'workload.service' }, says: /2 Services select the pods of Deployment catalog \(catalog, catalog-metrics\) and the release does not say which one fronts it; add workload\.service: one of catalog, catalog-metrics/ },
  { name: 'a YAML file in a plain folder that is not a Kubernetes object', files: { 'apps/catalog/notes.yaml': 'owner: team-catalog\n' },
    at: { file: C, find: 'apps/catalog', field: 'workload.path' }, says: /apps\/catalog\/notes\.yaml, document 1: apiVersion is missing/ },
  { name: 'canaryAutoscaling without an HPA to copy', files: { [C]: edit(CATALOG_SPEC, '  service: catalog\n', '  service: catalog\n  canaryAutoscaling: {}\n') },
    at: { file: C, find: '{}', field: 'workload.canaryAutoscaling' }, says: /no HorizontalPodAutoscaler in apps\/catalog scales Deployment catalog/ },
  { name: 'a Service port that does not exist', files: { [P]: edit(PODINFO_SPEC, '  path: apps/podinfo\n', '  path: apps/podinfo\n  port: metrics\n') },
    at: { file: P, find: 'metrics', field: 'workload.port' }, says: /Service podinfo has no port named metrics \(ports: http \(9898\), grpc \(9999\)\)/ },
  { name: 'a selector on the version label', files: { 'apps/catalog/deployment.yaml': fixtureFiles('catalog', 'apps/catalog')['apps/catalog/deployment.yaml'].replace('    matchLabels:\n      app.kubernetes.io/name: catalog\n  template:\n    metadata:\n      labels:\n', '    matchLabels:\n      app.kubernetes.io/name: catalog\n      version: v2\n  template:\n    metadata:\n      labels:\n        version: v2\n') },
    at: { file: C, find: 'apps/catalog', field: 'workload.path' }, says: /the selector of Deployment catalog \(apps\/catalog\/deployment\.yaml\) uses the label 'version', which cdk8s-canary sets per version/ },
];

describe('bad-input catalogue: manifests workloads (in-process and compiled CLI, real git)', () => {
  let repo: CatalogueRepo;
  beforeAll(() => {
    // GIVEN a repository with podinfo (kustomize) and catalog (plain folder), synthesized and committed (put back after every case)
    repo = catalogueRepo(synthesizedRepo({ ...fixtureFiles('podinfo', 'apps/podinfo'), ...fixtureFiles('catalog', 'apps/catalog'), [P]: PODINFO_SPEC, [C]: CATALOG_SPEC }));
  });
  afterAll(() => repo.cleanup());

  test('has distinct cases, covering the six of issue 16', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  test.each(refusalRows(CASES))('fails on %s (%s CLI): exit 2, file:line:col field, nothing changed', async (_name, via, c) => {
    let unchanged = false;
    try {
      for (const [rel, content] of Object.entries(c.files)) repo.write(rel, content);
      git(repo.root, 'add', '-A');
      git(repo.root, 'commit', '-qm', `bad input: ${c.name}`);
      const before = refusalState(repo.root);
      const r = via === 'compiled' ? cli(repo.root, c.args ?? ['synth']) : await runCli(repo.root, c.args ?? ['synth']);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
      expect(r.stderr).not.toMatch(/^\s+at /m);
      const prefix = expectedPrefix(repo.root, c.at);
      const line = lines.find((l) => l.startsWith(prefix));
      expect({ prefix, line, stderr: r.stderr }).toEqual({ prefix, line: expect.stringMatching(c.says), stderr: r.stderr });
      expect(lines[lines.length - 1]).toMatch(/^\d+ problem\(s\) found; nothing was written$/);
      expect(refusalState(repo.root)).toEqual(before);
      unchanged = true;
    } finally {
      resetAfter(repo, c, unchanged);
    }
  });
});

/** `FILE:LINE:COL: FIELD:` for the first occurrence of `find` in the committed file. */
function expectedPrefix(root: string, at: Case['at']): string {
  const text = fs.readFileSync(path.join(root, at.file), 'utf8');
  const bar = at.find.indexOf('|');
  const found = text.indexOf(at.find.replace('|', ''));
  if (found < 0) throw new Error(`test bug: ${at.find} not found in ${at.file}`);
  const offset = found + Math.max(bar, 0);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `${at.file}:${line}:${col}: ${at.field}:`;
}
