import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GroupStage } from '../lib/spec/group';
import { KubeObject, ReleaseFolder, renderFolders } from '../lib/synth/build';
import { SYNC_WAVE_ANNOTATION as SYNC_WAVE } from '../lib/gitops/sync-waves';
import { buildGroup, groupGitopsFolders, SYNC_OPTIONS } from '../lib/synth/group';
import { renderProjectRoots } from '../lib/synth/project';
import { defaultProjectConfig } from '../lib/spec/project-config';
import { loadGroup } from '../lib/spec/loader';
import { parse } from 'yaml';
import { readTree } from '../lib/manifests/files';
import { at, find, PATTERNS, ROOT, s3Group, s3Text, groupFromText, S3_FILE } from './support/groups';
import { validateObject } from './support/kube-schemas';

const DOMAIN = '192.168.99.100.nip.io';
const STAGES: readonly GroupStage[] = [1, 2, 3, 4, 5, 6];
const F = 'frontend-main';
const B = 'backend-main';

/** What S3's figure of a stage shows, read back from synthesized objects. */
function figure(folders: readonly ReleaseFolder[]) {
  const all = folders.flatMap((f) => f.objects);
  const routes = Object.fromEntries(all.filter((o) => o.kind === 'Route').map((o: any) =>
    [o.metadata.name, [[o.spec.to.name, o.spec.to.weight], ...(o.spec.alternateBackends ?? []).map((b: any) => [b.name, b.weight])]]));
  const dcs = Object.fromEntries(all.filter((o) => o.kind === 'DeploymentConfig').map((o: any) =>
    [o.metadata.name, `${o.metadata.labels.version} ${o.spec.template.spec.containers[0].image.split('/').pop()}`]));
  const fCanaryConfig = (find(folders, F, 'ConfigMap', 'frontend-main-canary-config') as any)?.data['backendmain.url'];
  return { routes, dcs, fCanaryConfig };
}

const S3_FIGURES: Record<GroupStage, ReturnType<typeof figure>> = {
  1: {
    routes: { [F]: [[F, 100]], [B]: [[B, 100]] },
    dcs: { [F]: '1.1 frontend-main:1.1', [B]: '1.1 backend-main:1.1' },
    fCanaryConfig: undefined,
  },
  2: {
    routes: { [F]: [[F, 100]], [B]: [[B, 100]], 'backend-main-canary': [['backend-main-canary', 100]] },
    dcs: { [F]: '1.1 frontend-main:1.1', 'frontend-main-canary': 'canary frontend-main:1.2', [B]: '1.1 backend-main:1.1', 'backend-main-canary': 'canary backend-main:1.2' },
    fCanaryConfig: `http://backend-main-canary-backend-main.${DOMAIN}`,
  },
  3: {
    routes: { [F]: [[F, 70], ['frontend-main-canary', 30]], [B]: [[B, 100]], 'backend-main-canary': [['backend-main-canary', 100]] },
    dcs: { [F]: '1.1 frontend-main:1.1', 'frontend-main-canary': 'canary frontend-main:1.2', [B]: '1.1 backend-main:1.1', 'backend-main-canary': 'canary backend-main:1.2' },
    fCanaryConfig: `http://backend-main-canary-backend-main.${DOMAIN}`,
  },
  4: {
    routes: { [F]: [[F, 0], ['frontend-main-canary', 100]], [B]: [[B, 0], ['backend-main-canary', 100]], 'backend-main-canary': [['backend-main-canary', 100]] },
    dcs: { [F]: '1.2 frontend-main:1.2', 'frontend-main-canary': 'canary frontend-main:1.2', [B]: '1.2 backend-main:1.2', 'backend-main-canary': 'canary backend-main:1.2' },
    fCanaryConfig: `http://backend-main-canary-backend-main.${DOMAIN}`,
  },
  5: {
    routes: { [F]: [[F, 100]], [B]: [[B, 0], ['backend-main-canary', 100]], 'backend-main-canary': [['backend-main-canary', 100]] },
    dcs: { [F]: '1.2 frontend-main:1.2', [B]: '1.2 backend-main:1.2', 'backend-main-canary': 'canary backend-main:1.2' },
    fCanaryConfig: undefined,
  },
  6: {
    routes: { [F]: [[F, 100]], [B]: [[B, 100]] },
    dcs: { [F]: '1.2 frontend-main:1.2', [B]: '1.2 backend-main:1.2' },
    fCanaryConfig: undefined,
  },
};

describe('release group synthesis: S3 stages 1-6 in dist/', () => {
  for (const stage of STAGES) {
    test(`stage ${stage}: Routes and weights, canaries, F canary's backend URL and main versions are S3's figure ${stage}`, () => {
      // GIVEN the reference group at the stage (70/30 at stage 3) WHEN synthesized
      const folders = buildGroup(at(s3Group(), stage, 30));
      // THEN the objects show S3's figure of the stage
      expect(figure(folders)).toEqual(S3_FIGURES[stage]);
      // AND the mains always read backend-main's main Route
      expect((find(folders, F, 'ConfigMap', 'frontend-main-config') as any).data).toEqual({ 'backendmain.url': `http://backend-main-backend-main.${DOMAIN}` });
    });
  }

  test('folders are dist/<group>/<project>/ with one Template per app', () => {
    const folders = buildGroup(s3Group());
    expect(folders.map((f) => f.path)).toEqual(['frontend-backend/frontend-main', 'frontend-backend/backend-main']);
    expect(folders.map((f) => f.objects.filter((o) => o.kind === 'Template').map((o) => o.metadata.name))).toEqual([[F], [B]]);
  });

  test('every object has the app and version labels; canary objects carry version=canary', () => {
    const folders = buildGroup(at(s3Group(), 3, 30));
    for (const o of folders.flatMap((f) => f.objects).filter((x) => !['Namespace', 'Template'].includes(x.kind))) {
      const canary = o.metadata.name.includes('-canary');
      expect([o.metadata.name, o.metadata.labels?.app, canary ? o.metadata.labels?.version : 'main']).toEqual([o.metadata.name, o.metadata.name.startsWith('frontend') ? F : B, canary ? 'canary' : 'main']);
    }
  });

  test('the Service port is named 8080-tcp and DeploymentConfigs are triggered by ConfigChange and by their ImageStream tag', () => {
    const folders = buildGroup(at(s3Group(), 2));
    expect((find(folders, B, 'Service', 'backend-main-canary') as any).spec.ports).toEqual([{ name: '8080-tcp', port: 8080, protocol: 'TCP', targetPort: '8080-tcp' }]);
    const dc = find(folders, B, 'DeploymentConfig', 'backend-main-canary') as any;
    expect(dc.spec.triggers.map((t: any) => t.type)).toEqual(['ConfigChange', 'ImageChange']);
    expect(dc.spec.triggers[1].imageChangeParams.from).toEqual({ kind: 'ImageStreamTag', name: 'backend-main-canary:canary' });
    expect((find(folders, B, 'ImageStream', 'backend-main-canary') as any).spec.tags[0].from).toEqual({ kind: 'DockerImage', name: 'quay.io/example/backend-main:1.2' });
    expect(dc.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'backend-main-canary-config' } }]);
  });

  test('an unchanged app\'s canary runs the production image (only F changes / only B changes)', () => {
    const f = figure(buildGroup(at(s3Group('F'), 3, 30)));
    expect(f.dcs['backend-main-canary']).toBe('canary backend-main:1.1');
    expect(f.dcs['frontend-main-canary']).toBe('canary frontend-main:1.2');
    const b = figure(buildGroup(at(s3Group('B'), 4)));
    expect([b.dcs['frontend-main-canary'], b.dcs[F], b.dcs[B]]).toEqual(['canary frontend-main:1.1', '1.1 frontend-main:1.1', '1.2 backend-main:1.2']);
  });

  test('kind Deployment renders apps/v1 Deployments (no ImageStream) with the same stages', () => {
    const g = groupFromText(s3Text([[['apps', 0, 'kind'], 'Deployment'], [['apps', 1, 'kind'], 'Deployment']]));
    const objs = buildGroup(at(g, 2)).flatMap((f) => f.objects);
    expect(objs.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort()).toEqual([B, 'backend-main-canary', F, 'frontend-main-canary']);
    expect(objs.filter((o) => o.kind === 'ImageStream' || o.kind === 'DeploymentConfig')).toEqual([]);
    expect(objs.flatMap((o) => validateObject(o))).toEqual([]);
  });
});

describe('release group synthesis: valid manifests at every stage', () => {
  test('every object of every stage and change pattern passes strict schema validation', () => {
    let n = 0;
    const problems: string[] = [];
    for (const pattern of PATTERNS) {
      for (const stage of STAGES) {
        for (const o of buildGroup(at(s3Group(pattern), stage, 30)).flatMap((f) => f.objects)) {
          problems.push(...validateObject(o).map((p) => `${pattern}/${stage}: ${p}`));
          n++;
        }
      }
    }
    expect(problems).toEqual([]);
    expect(n).toBeGreaterThan(200);
  });

  test('pods run under the restricted Pod Security Standard and no object outside a Template holds a ${...} placeholder', () => {
    for (const stage of STAGES) {
      const objs = buildGroup(at(s3Group(), stage, 30)).flatMap((f) => f.objects);
      for (const dc of objs.filter((o) => o.kind === 'DeploymentConfig') as any[]) {
        const pod = dc.spec.template.spec;
        expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: false, runAsNonRoot: true });
      }
      expect(JSON.stringify(objs.filter((o) => o.kind !== 'Template'))).not.toMatch(/\$\{/);
      expect(objs.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.labels?.['pod-security.kubernetes.io/enforce'])).toEqual(['restricted', 'restricted']);
    }
  });

  test('kubectl kustomize builds every folder of every stage', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'group-kustomize-'));
    let built = 0;
    for (const stage of STAGES) {
      const files = renderFolders(buildGroup(at(s3Group(), stage, 30)), 'releases/frontend-backend.yaml');
      for (const [p, c] of files) {
        fs.mkdirSync(path.join(dir, String(stage), path.dirname(p)), { recursive: true });
        fs.writeFileSync(path.join(dir, String(stage), p), c);
      }
      // every project folder, and the group's root (its folders together: what its one Argo CD Application syncs)
      for (const p of [...files.keys()].filter((k) => k.endsWith('/kustomization.yaml'))) {
        const out = execFileSync('kubectl', ['kustomize', path.join(dir, String(stage), path.dirname(p))], { encoding: 'utf8' });
        expect(out).toMatch(/kind: Route/);
        built++;
      }
    }
    expect(built).toBe(18);
  });
});

describe('release group synthesis: ordering inside a stage (Argo CD sync waves)', () => {
  const wave = (o: KubeObject | undefined) => Number(o?.metadata.annotations?.[SYNC_WAVE]);

  test('stage 2 creates canaries bottom-up: B canary, then its own Route, then F canary', () => {
    const folders = buildGroup(at(s3Group(), 2));
    const bCanary = ['ImageStream', 'ConfigMap', 'DeploymentConfig', 'Service'].map((k) => wave(find(folders, B, k, k === 'ConfigMap' ? 'backend-main-canary-config' : 'backend-main-canary')));
    const bCanaryRoute = wave(find(folders, B, 'Route', 'backend-main-canary'));
    const fCanary = wave(find(folders, F, 'DeploymentConfig', 'frontend-main-canary'));
    expect(Math.max(...bCanary)).toBeLessThan(bCanaryRoute);
    expect(bCanaryRoute).toBeLessThan(fCanary);
  });

  test('Routes move top-down before any main is upgraded, and canaries are pruned last', () => {
    const folders = buildGroup(at(s3Group(), 4));
    const fRoute = wave(find(folders, F, 'Route', F));
    const bRoute = wave(find(folders, B, 'Route', B));
    const fDc = wave(find(folders, F, 'DeploymentConfig', F));
    const bDc = wave(find(folders, B, 'DeploymentConfig', B));
    expect(fRoute).toBeLessThan(bRoute);
    expect(bRoute).toBeLessThan(fDc);
    expect(fDc).toBeLessThan(bDc);
    // the mains' ImageStream gets the new tag first, which does not touch the running DeploymentConfig (it follows the old tag until its wave)
    expect(wave(find(folders, F, 'ImageStream', F))).toBeLessThan(fRoute);
    const canaries = folders.flatMap((f) => f.objects).filter((o) => o.metadata.name.includes('-canary'));
    expect(canaries.length).toBe(9);
    expect(canaries.every((o) => o.metadata.annotations?.[SYNC_OPTIONS] === 'PruneLast=true')).toBe(true);
    // other objects are never pruned last; Namespaces are never pruned at all
    const others = folders.flatMap((f) => f.objects).filter((o) => !o.metadata.name.includes('-canary'));
    expect(others.filter((o) => o.metadata.annotations?.[SYNC_OPTIONS]).map((o) => [o.kind, o.metadata.annotations?.[SYNC_OPTIONS]])).toEqual([['Namespace', 'Prune=false,Delete=false'], ['Namespace', 'Prune=false,Delete=false']]);
  });
});

describe('release group synthesis: GitOps wiring (Argo CD and Flux see the group folders)', () => {
  test('one Application for the group (its waves order both projects), one Kustomization per project folder, callers first: B waits for F', () => {
    // GIVEN the reference group WHEN the project roots are rendered
    const files = renderProjectRoots([], defaultProjectConfig(), [loadGroup(S3_FILE)]);
    const obj = (p: string) => parse(files.get(p) as string) as any;
    // THEN Flux syncs F's folder first and B's after it (the entry's Route moves before the callee's)
    expect(obj('flux/kustomization-frontend-backend-frontend-main.yaml').spec.dependsOn).toBeUndefined();
    expect(obj('flux/kustomization-frontend-backend-backend-main.yaml').spec).toMatchObject({ path: './dist/frontend-backend/backend-main', dependsOn: [{ name: 'frontend-backend-frontend-main' }], prune: true, wait: true });
    // AND Argo CD syncs the whole group in one Application (Applications sync on their own: only waves inside one order a commit), and the AppProject admits both projects
    expect([...files.keys()].filter((k) => k.startsWith('argocd/application-frontend-backend'))).toEqual(['argocd/application-frontend-backend.yaml']);
    expect(obj('argocd/application-frontend-backend.yaml').spec).toMatchObject({ source: { path: 'dist/frontend-backend' }, destination: { namespace: F } });
    expect(obj('argocd/appproject-cdk8s-canary.yaml').spec.destinations.map((d: { namespace: string }) => d.namespace)).toEqual(['backend-main', 'frontend-main']);
  });

  test('the folders of a group are the same at every stage, so a stage move never touches dist/argocd or dist/flux', () => {
    const g = s3Group();
    const paths = STAGES.map((s) => buildGroup(at(g, s, 30)).map((f) => f.path).join(','));
    expect(new Set(paths).size).toBe(1);
    expect(groupGitopsFolders(g)).toEqual([
      { path: 'frontend-backend/frontend-main', namespace: F },
      { path: 'frontend-backend/backend-main', namespace: B, dependsOn: ['frontend-backend/frontend-main'] },
    ]);
  });
});

describe('release group synthesis: committed reference and snapshots', () => {
  test('the committed dist/frontend-backend is the reference group at stage 1 (mains only)', () => {
    const committed = readTree(path.join(ROOT, 'dist/frontend-backend'));
    const fresh = renderFolders(buildGroup(s3Group()), 'releases/frontend-backend.yaml');
    expect([...committed.keys()].map((k) => `frontend-backend/${k}`)).toEqual([...fresh.keys()].sort());
    for (const [k, v] of committed) expect(v).toBe(fresh.get(`frontend-backend/${k}`));
    expect([...committed.keys()].some((k) => k.includes('canary'))).toBe(false);
  });

  for (const stage of STAGES) {
    test(`snapshot of stage ${stage}`, () => {
      const files = renderFolders(buildGroup(at(s3Group(), stage, 30)), 'releases/frontend-backend.yaml');
      // the Templates do not change between stages: snapshot them once, with stage 1
      expect(Object.fromEntries([...files].filter(([k]) => stage === 1 || !k.includes('/template-')))).toMatchSnapshot();
    });
  }
});
