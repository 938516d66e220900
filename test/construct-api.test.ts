import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { CanaryRelease, SpecError, Track, WorkloadFactory } from '../lib';
import { objectFileName, KubeObject } from '../lib/synth/build';
import { generatedHeader, toYaml } from '../lib/synth/yaml';
import { distOf, NGINX_ROUTER, ok, podinfoSpec, synthesizedRepo } from './support/manifests-repo';

/** podinfo's Deployment, Service and HPA, built in TypeScript the way a cdk8s team would. */
function podinfo(env: (track: Track) => Record<string, string> = () => ({})): WorkloadFactory {
  return (scope: Construct, track: Track) => {
    const labels = { app: 'podinfo' };
    new k8s.KubeDeployment(scope, 'deployment', {
      metadata: { name: 'podinfo' },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'podinfod', image: 'ghcr.io/stefanprodan/podinfo:6.1.1',
              ports: [{ name: 'http', containerPort: 9898, protocol: 'TCP' }],
              env: Object.entries({ PODINFO_UI_COLOR: '#34577c', ...env(track) }).map(([name, value]) => ({ name, value })),
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            }],
          },
        },
      },
    });
    new k8s.KubeService(scope, 'service', { metadata: { name: 'podinfo' }, spec: { selector: labels, ports: [{ name: 'http', port: 9898, targetPort: k8s.IntOrString.fromString('http') }] } });
    new k8s.KubeHorizontalPodAutoscalerV2(scope, 'hpa', {
      metadata: { name: 'podinfo' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, minReplicas: 2, maxReplicas: 4 },
    });
  };
}

/** The factory's objects as a plain folder of YAML (what a team's own `cdk8s synth` would commit for the CLI). */
function folderOf(factory: WorkloadFactory): Record<string, string> {
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), 'podinfo', { disableResourceNameHashes: true });
  factory(chart, 'stable');
  return { 'apps/podinfo/podinfo.k8s.yaml': (chart.toJson() as object[]).map((o) => toYaml(o)).join('---\n') };
}

/** The construct's objects as the files the CLI writes: `<release>/<namespace>/<kind>-<name>.yaml` -> bytes. */
function filesOf(chart: Chart, release: CanaryRelease): Map<string, string> {
  const header = generatedHeader(release.model.file);
  const out = new Map<string, string>();
  for (const o of chart.toJson() as KubeObject[]) {
    const ns = o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace;
    out.set(`${ns}/${objectFileName(o)}`, header + toYaml(o));
  }
  return out;
}

const SPEC = podinfoSpec(NGINX_ROUTER, { workload: '  canaryReplicas: 1\n', extra: 'canary:\n  version: 6.2.0\n  weight: 0\n' });

describe('the construct API: CanaryRelease', () => {
  test('its objects are, byte for byte, the files the CLI writes for the same spec; and it follows the spec the CLI moves', async () => {
    // GIVEN a team's podinfo built in TypeScript, its output committed as the release's folder, synthesized by the CLI
    const factory = podinfo();
    const repo = synthesizedRepo({ ...folderOf(factory), 'releases/podinfo.yaml': SPEC });
    try {
      for (const weight of ['0', '25']) {
        // WHEN the team's cdk8s app adds a CanaryRelease reading the same release file
        const app = new App({ outdir: path.join(repo.root, 'cdk8s.out') });
        const chart = new Chart(app, 'team', { disableResourceNameHashes: true });
        const release = new CanaryRelease(chart, 'podinfo', { release: 'releases/podinfo.yaml', root: repo.root, workload: factory });
        // THEN every object equals the CLI's file, and there is no object more or less
        const cli = new Map([...distOf(repo.root, 'podinfo')].filter(([f]) => !f.endsWith('kustomization.yaml')));
        const mine = filesOf(chart, release);
        expect([...mine.keys()].sort()).toEqual([...cli.keys()].sort());
        for (const [f, text] of mine) expect({ f, text }).toEqual({ f, text: cli.get(f) });
        expect(release.model.canary?.weight).toBe(Number(weight));
        // the chart synthesizes (cdk8s's own YAML) to the same objects
        const synthesized = parseAllDocuments(app.synthYaml()).map((d) => d.toJS());
        expect(synthesized).toEqual(chart.toJson());
        // AND after the CLI moves the release, the construct reads the new state
        if (weight === '0') await ok(repo.root, ['step', 'podinfo']);
      }
    } finally {
      repo.cleanup();
    }
  });

  test('without a workload it reads the spec\'s own folder, like the CLI', () => {
    const repo = synthesizedRepo({ ...folderOf(podinfo()), 'releases/podinfo.yaml': SPEC });
    try {
      const chart = new Chart(new App({ outdir: path.join(repo.root, 'cdk8s.out') }), 'team', { disableResourceNameHashes: true });
      const release = new CanaryRelease(chart, 'podinfo', { release: path.join(repo.root, 'releases/podinfo.yaml') });
      const mine = filesOf(chart, release);
      for (const [f, text] of mine) expect(text).toBe(distOf(repo.root, 'podinfo').get(f));
      expect(mine.size).toBe(9);
    } finally {
      repo.cleanup();
    }
  });

  test('the canary track may differ in its pod template (the factory is called per track); the stable objects do not change', () => {
    const repo = synthesizedRepo({ ...folderOf(podinfo()), 'releases/podinfo.yaml': SPEC });
    try {
      const chart = new Chart(new App({ outdir: path.join(repo.root, 'cdk8s.out') }), 'team', { disableResourceNameHashes: true });
      const release = new CanaryRelease(chart, 'podinfo', { release: 'releases/podinfo.yaml', root: repo.root, workload: podinfo((t) => ({ FEATURE_NEW_CART: t === 'canary' ? 'on' : 'off' })) });
      const objs = chart.toJson() as any[];
      const env = (name: string) => objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name).spec.template.spec.containers[0].env;
      expect(env('podinfo')).toContainEqual({ name: 'FEATURE_NEW_CART', value: 'off' });
      expect(env('podinfo-canary')).toContainEqual({ name: 'FEATURE_NEW_CART', value: 'on' });
      expect(release.model.canary?.version).toBe('6.2.0');
    } finally {
      repo.cleanup();
    }
  });

  test('fails with the positioned problems of the spec: a workload given for a release that is not of type manifests', () => {
    const repo = synthesizedRepo({ ...folderOf(podinfo()), 'releases/podinfo.yaml': SPEC.replace('  type: manifests\n  path: apps/podinfo\n  canaryReplicas: 1\n', '  type: webapp\n  image: ghcr.io/stefanprodan/podinfo\n') });
    try {
      const chart = new Chart(new App(), 'team');
      let err: unknown;
      try { new CanaryRelease(chart, 'podinfo', { release: 'releases/podinfo.yaml', root: repo.root, workload: podinfo() }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(SpecError);
      expect((err as Error).message).toMatch(/^releases\/podinfo\.yaml:\d+:\d+: workload\.type: a CanaryRelease workload builds the objects of a manifests workload, but this release's workload type is 'webapp'/);
    } finally {
      repo.cleanup();
    }
  });
});
