import { groupState } from '../lib/rollout/group';
import { GroupStage, RESERVED_PARAMETERS } from '../lib/spec/group';
import { buildGroup, instanceParams } from '../lib/synth/group';
import { instanceParameterValues } from '../lib/synth/openshift-template';
import { at, find, groupFromText, instanceObjects, PATTERNS, s3Group, s3Text, withoutGitOps } from './support/groups';
import { ocProcess, referencedParameters } from './support/oc-process';

const DOMAIN = '192.168.99.100.nip.io';
const STAGES: readonly GroupStage[] = [1, 2, 3, 4, 5, 6];

function template(folders: ReturnType<typeof buildGroup>, project: string): any {
  const t = find(folders, project, 'Template', project);
  if (!t) throw new Error(`no Template in ${project}`);
  return t;
}

describe('OpenShift Templates: parameters', () => {
  const folders = buildGroup(s3Group());

  test("each app has a Template with S3's parameters APP_NAME, APP_VERSION (default 1.1), PROJECT, DOMAIN_NAME, DC_NAME, described", () => {
    for (const app of ['frontend-main', 'backend-main']) {
      // GIVEN the app's Template
      const t = template(folders, app);
      expect(t.apiVersion).toBe('template.openshift.io/v1');
      const params = new Map<string, any>(t.parameters.map((p: any) => [p.name, p]));
      // THEN S3's five parameters come first, each with a description, and their defaults render the main app
      expect(t.parameters.slice(0, 5).map((p: any) => p.name)).toEqual(['APP_NAME', 'APP_VERSION', 'PROJECT', 'DOMAIN_NAME', 'DC_NAME']);
      expect(t.parameters.every((p: any) => typeof p.description === 'string' && p.description.length > 20)).toBe(true);
      expect(['APP_NAME', 'APP_VERSION', 'PROJECT', 'DOMAIN_NAME', 'DC_NAME'].map((n) => params.get(n).value)).toEqual([app, '1.1', app, DOMAIN, app]);
      expect(params.get('DC_NAME').description).toMatch(new RegExp(`${app} renders the main app, ${app}-canary its canary`));
    }
    // AND the frontend's Template has one URL parameter for its call, defaulting to backend-main's Route
    const f = new Map<string, any>(template(folders, 'frontend-main').parameters.map((p: any) => [p.name, p]));
    expect(f.get('BACKENDMAIN_URL').value).toBe(`http://backend-main-backend-main.${DOMAIN}`);
    expect(template(folders, 'backend-main').parameters.map((p: any) => p.name)).not.toContain('BACKENDMAIN_URL');
  });

  test('the parameters a call key may not take are exactly the fixed parameters of the Template', () => {
    const names = template(folders, 'backend-main').parameters.map((p: any) => p.name);
    expect(names).toEqual([...RESERVED_PARAMETERS]);
  });

  test('objects reference only declared parameters, every parameter is used, and non-string fields use ${{...}}', () => {
    for (const app of ['frontend-main', 'backend-main']) {
      const t = template(folders, app);
      const declared = new Set<string>(t.parameters.map((p: any) => p.name));
      expect([...referencedParameters(t.objects)].sort()).toEqual([...declared].sort());
      const dc = t.objects.find((o: any) => o.kind === 'DeploymentConfig');
      const route = t.objects.find((o: any) => o.kind === 'Route');
      expect(dc.spec.replicas).toBe('${{REPLICAS}}');
      expect(route.spec.to.weight).toBe('${{ROUTE_WEIGHT}}');
      expect(route.spec.alternateBackends).toBe('${{ALTERNATE_BACKENDS}}');
      expect(route.spec.host).toBe('${DC_NAME}-${PROJECT}.${DOMAIN_NAME}');
      expect(t.objects.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
        ['ConfigMap/${DC_NAME}-config', 'DeploymentConfig/${DC_NAME}', 'ImageStream/${DC_NAME}', 'Route/${DC_NAME}', 'Service/${DC_NAME}']);
    }
  });
});

describe('OpenShift Templates: dist/ equals the processed Template', () => {
  for (const pattern of PATTERNS) {
    for (const stage of STAGES) {
      test(`pattern ${pattern}, stage ${stage}: every DeploymentConfig in dist/ is its app's Template processed with its values`, () => {
        // GIVEN the group at the stage, synthesized
        const g = at(s3Group(pattern), stage, 30);
        const folders = buildGroup(g);
        let checked = 0;
        for (const s of groupState(g).apps) {
          const app = g.apps.find((a) => a.name === s.app);
          if (!app) throw new Error(s.app);
          for (const inst of [s.main, s.canary]) {
            if (!inst) continue;
            // WHEN the app's Template is processed with the instance's parameter values (oc process -p ...)
            const processed = ocProcess(template(folders, app.project), instanceParameterValues(app, instanceParams(g, app, inst)))
              // a canary no other canary calls gets no Route (CANARY_URL_REQ=false): the Route the Template renders is not applied
              .filter((o) => o.kind !== 'Route' || inst.route !== undefined);
            // THEN the result equals the instance's objects in dist/ (minus Argo CD's ordering annotations)
            const inDist = instanceObjects(folders, app.project, inst.dcName).map(withoutGitOps);
            const byKey = (xs: any[]) => Object.fromEntries(xs.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
            expect(byKey(processed)).toEqual(byKey(inDist));
            expect(inDist.length).toBe(inst.route ? 5 : 4);
            checked++;
          }
        }
        expect(checked).toBe(groupState(g).apps.reduce((n, a) => n + (a.canary ? 2 : 1), 0));
      });
    }
  }

  test('kind Deployment: the Template renders apps/v1 Deployments and dist/ still equals the processed Template', () => {
    // GIVEN both apps as Deployments at stage 3
    const g = at(groupFromText(s3Text([[['apps', 0, 'kind'], 'Deployment'], [['apps', 1, 'kind'], 'Deployment']])), 3, 30);
    const folders = buildGroup(g);
    for (const s of groupState(g).apps) {
      const app = g.apps.find((a) => a.name === s.app);
      if (!app) throw new Error(s.app);
      for (const inst of [s.main, s.canary]) {
        if (!inst) continue;
        // WHEN processed THEN equal, and a Deployment with no ImageStream
        const processed = ocProcess(template(folders, app.project), instanceParameterValues(app, instanceParams(g, app, inst))).filter((o) => o.kind !== 'Route' || inst.route !== undefined);
        expect(processed).toEqual(expect.arrayContaining(instanceObjects(folders, app.project, inst.dcName).map(withoutGitOps)));
        expect(processed.map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment']));
        expect(processed.map((o) => o.kind)).not.toContain('ImageStream');
        expect(processed).toHaveLength(instanceObjects(folders, app.project, inst.dcName).length);
      }
    }
  });

  test("processing by hand (S3's oc process calls) renders the F canary calling the B canary, and the split F Route", () => {
    // GIVEN the group at stage 3 (70/30)
    const folders = buildGroup(at(s3Group(), 3, 30));
    const tf = template(folders, 'frontend-main');
    const tb = template(folders, 'backend-main');
    // WHEN F's Template is processed for the canary with hand-written values
    const fCanary = ocProcess(tf, {
      DC_NAME: 'frontend-main-canary', APP_VERSION: 'canary', TRACK: 'canary', IMAGE: 'quay.io/example/frontend-main:1.2',
      BACKENDMAIN_URL: `http://backend-main-canary-backend-main.${DOMAIN}`,
    }).filter((o) => o.kind !== 'Route');
    // THEN it is exactly F's canary in dist/
    expect(fCanary).toEqual(expect.arrayContaining(instanceObjects(folders, 'frontend-main', 'frontend-main-canary').map(withoutGitOps)));
    expect(fCanary.find((o) => o.kind === 'ConfigMap').data).toEqual({ 'backendmain.url': `http://backend-main-canary-backend-main.${DOMAIN}` });
    expect(fCanary.find((o) => o.kind === 'DeploymentConfig').metadata.labels).toMatchObject({ app: 'frontend-main', version: 'canary' });
    // AND F's main with the split renders the 70/30 Route
    const fMain = ocProcess(tf, { ROUTE_WEIGHT: '70', ALTERNATE_BACKENDS: '[{"kind":"Service","name":"frontend-main-canary","weight":30}]' });
    expect(fMain.find((o) => o.kind === 'Route')).toEqual(withoutGitOps(find(folders, 'frontend-main', 'Route', 'frontend-main')));
    // AND B's canary with its own Route has the host S3 gives
    const bCanary = ocProcess(tb, { DC_NAME: 'backend-main-canary', APP_VERSION: 'canary', TRACK: 'canary', IMAGE: 'quay.io/example/backend-main:1.2' });
    expect(bCanary.find((o) => o.kind === 'Route').spec.host).toBe(`backend-main-canary-backend-main.${DOMAIN}`);
    expect(bCanary).toEqual(expect.arrayContaining(instanceObjects(folders, 'backend-main', 'backend-main-canary').map(withoutGitOps)));
  });

  test('processing with the defaults renders the mains of stage 1', () => {
    const folders = buildGroup(s3Group());
    for (const app of ['frontend-main', 'backend-main']) {
      expect(ocProcess(template(folders, app))).toEqual(expect.arrayContaining(instanceObjects(folders, app, app).map(withoutGitOps)));
    }
  });
});

describe('the test processor itself', () => {
  const t = {
    parameters: [{ name: 'N', value: '3' }, { name: 'S', value: 'x' }, { name: 'R', required: true }],
    objects: [{ kind: 'X', metadata: { name: '${S}-a', namespace: 'hard' }, spec: { n: '${{N}}', s: '${S}${S}', list: '${{L}}', keep: '${UNKNOWN}' } }],
  };

  test('substitutes ${X} in strings, decodes ${{X}} as JSON, blanks a hard-coded namespace, leaves unknown references', () => {
    expect(ocProcess(t, { R: 'r' })).toEqual([{ kind: 'X', metadata: { name: 'x-a', namespace: '' }, spec: { n: 3, s: 'xx', list: '${{L}}', keep: '${UNKNOWN}' } }]);
  });

  test('fails on an unknown parameter and on a required parameter left empty', () => {
    expect(() => ocProcess(t, { R: 'r', NOPE: '1' })).toThrow('unknown parameter name "NOPE"');
    expect(() => ocProcess(t)).toThrow('parameter R is required and must be specified');
  });
});
