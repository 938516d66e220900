import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { gitopsLabels } from '../lib/gitops/layout';
import { defaultProjectConfig } from '../lib/spec/project-config';
import { CRDS_DIR } from './support/kube-schemas';

const WORKFLOW = path.resolve(__dirname, '../examples/github-actions/canary-step.yml');

/** The openAPIV3Schema of a CRD file's first served version. */
function crdSchema(file: string): any {
  const crd = parseAllDocuments(fs.readFileSync(path.join(CRDS_DIR, file), 'utf8')).map((d) => d.toJS()).find((d: any) => d?.kind === 'CustomResourceDefinition');
  return crd.spec.versions[0].schema.openAPIV3Schema;
}

/** Whether a jsonpath like `{.status.sync.revision}` names a field of the schema. */
function hasField(schema: any, jsonpath: string): boolean {
  let s = schema;
  for (const seg of jsonpath.replace(/^\{\./, '').replace(/\}$/, '').split('.')) {
    s = s?.properties?.[seg];
    if (!s) return false;
  }
  return true;
}

describe('CI example (examples/github-actions/canary-step.yml)', () => {
  const wf = parse(fs.readFileSync(WORKFLOW, 'utf8'));
  const steps: any[] = wf.jobs.step.steps;
  const script = (name: RegExp) => steps.find((s) => name.test(s.name ?? ''))?.run as string;

  test('runs on manual dispatch with the release as input, one run per release at a time', () => {
    expect(wf.on.workflow_dispatch.inputs.release).toMatchObject({ required: true, type: 'string' });
    expect(wf.concurrency).toEqual({ group: 'canary-step-${{ inputs.release }}', 'cancel-in-progress': false });
    expect(wf.permissions).toEqual({ contents: 'write' });
  });

  test('commits and pushes the step, then waits for the engine before the job ends', () => {
    const names = steps.map((s) => s.name ?? s.uses);
    const push = names.findIndex((n) => /Commit and push/.test(n));
    expect(script(/Commit and push/)).toMatch(/npx cdk8s-canary step "\$RELEASE" --push/);
    expect(names.findIndex((n) => /Wait for Argo CD/.test(n))).toBeGreaterThan(push);
    expect(names.findIndex((n) => /Wait for Flux/.test(n))).toBeGreaterThan(push);
    expect(names.findIndex((n) => /Wait for/.test(n))).toBeGreaterThan(names.length - 3);
  });

  test('every run script is valid bash', () => {
    for (const s of steps.filter((x) => x.run)) {
      expect(() => execFileSync('bash', ['-n'], { input: s.run, stdio: ['pipe', 'ignore', 'pipe'] })).not.toThrow();
    }
  });

  test('it selects the objects by the label the generators put, in the configured namespaces', () => {
    // GIVEN the generated label of a release and the default config
    const [labelKey] = Object.keys(gitopsLabels('x')).filter((k) => gitopsLabels('x')[k] === 'x');
    const c = defaultProjectConfig();
    // THEN the scripts select by that label and the env names the default namespaces and source
    expect(script(/Wait for Argo CD/)).toContain(`-l "${labelKey}=$RELEASE"`);
    expect(script(/Wait for Flux/)).toContain(`-l "${labelKey}=$RELEASE"`);
    expect(wf.jobs.step.env).toMatchObject({ ARGOCD_NAMESPACE: c.argocd.namespace, FLUX_NAMESPACE: c.flux.namespace, FLUX_SOURCE: c.flux.name });
  });

  test('the status fields it waits on exist in the upstream Application and Kustomization CRDs', () => {
    const app = crdSchema('argoproj-argo-cd/application-crd.yaml');
    const ks = crdSchema('fluxcd-kustomize-controller/kustomize.toolkit.fluxcd.io_kustomizations.yaml');
    const paths = (s: string) => [...s.matchAll(/jsonpath='(\{[^']+\})'/g)].map((m) => m[1]);
    const argo = paths(script(/Wait for Argo CD/));
    const flux = paths(script(/Wait for Flux/));
    expect(argo).toEqual(['{.status.sync.revision}', '{.status.sync.status}', '{.status.health.status}']);
    expect(flux).toEqual(['{.status.lastAppliedRevision}']);
    for (const p of argo) expect(hasField(app, p)).toBe(true);
    for (const p of flux) expect(hasField(ks, p)).toBe(true);
    expect(hasField(app, '{.status.no.such}')).toBe(false);
  });
});
