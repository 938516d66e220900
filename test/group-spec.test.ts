import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SpecError } from '../lib/spec/errors';
import { loadGroup, loadReleases, loadSpecs } from '../lib/spec/loader';
import { groupFromText, s3Group, s3Text, S3_FILE, S3_TEXT, specProblems } from './support/groups';
import { strictMappings, TypoCase, typoProblem } from './support/schema-mappings';

describe('release group spec: loading', () => {
  test('the reference group loads with S3 facts and its defaults resolved', () => {
    // GIVEN releases/frontend-backend.yaml WHEN loaded
    const g = loadGroup(S3_FILE).model;
    // THEN it is S3's group: F calls B through backendmain.url, both 1.1 -> 1.2, 3 replicas, 70/30, stage 1
    expect([g.name, g.entry, g.domain, g.stage, g.steps, g.balance]).toEqual(['frontend-backend', 'frontend-main', '192.168.99.100.nip.io', 1, [30], 'roundrobin']);
    expect(g.apps.map((a) => [a.name, a.project, a.canaryName, a.version, a.newVersion, a.replicas, a.workload.kind, a.workload.portName, a.level])).toEqual([
      ['frontend-main', 'frontend-main', 'frontend-main-canary', '1.1', '1.2', 3, 'DeploymentConfig', '8080-tcp', 0],
      ['backend-main', 'backend-main', 'backend-main-canary', '1.1', '1.2', 3, 'DeploymentConfig', '8080-tcp', 1],
    ]);
    expect(g.apps[0].calls).toEqual([{ app: 'backend-main', configKey: 'backendmain.url', parameter: 'BACKENDMAIN_URL' }]);
    expect(g.bottomUp).toEqual(['backend-main', 'frontend-main']);
  });

  test('the loader dispatches on kind: releases and groups of one directory load side by side', () => {
    // GIVEN a directory holding a Release and a ReleaseGroup
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specs-'));
    fs.copyFileSync(S3_FILE, path.join(dir, 'frontend-backend.yaml'));
    fs.copyFileSync(path.join(__dirname, '../releases/webapp.yaml'), path.join(dir, 'webapp.yaml'));
    // WHEN loaded
    const specs = loadSpecs(dir);
    // THEN each lands on its side, and loadReleases still returns the releases only
    expect(specs.releases.map((r) => r.model.name)).toEqual(['webapp']);
    expect(specs.groups.map((g) => g.model.name)).toEqual(['frontend-backend']);
    expect(loadReleases(dir).map((r) => r.model.name)).toEqual(['webapp']);
  });

  test('fails when a release and a group share a name, naming both files', () => {
    // GIVEN a release named like the group
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specs-'));
    fs.copyFileSync(S3_FILE, path.join(dir, 'frontend-backend.yaml'));
    const release = fs.readFileSync(path.join(__dirname, '../releases/webapp.yaml'), 'utf8').replace('name: webapp', 'name: frontend-backend');
    fs.writeFileSync(path.join(dir, 'frontend-backend.yml'), release);
    // WHEN loaded THEN one clear problem names the duplicate
    expect(() => loadSpecs(dir)).toThrow(SpecError);
    expect(() => loadSpecs(dir)).toThrow(/frontend-backend\.yaml:7:7: name: release name 'frontend-backend' is already used by .*frontend-backend\.yml \(got "frontend-backend"\); give every release and release group a unique name/);
  });

  test('fails with an unknown kind, suggesting the closest one', () => {
    const problems = specProblems(S3_TEXT.replace('kind: ReleaseGroup', 'kind: ReleaseGrup'));
    expect(problems).toEqual([expect.stringMatching(/^releases\/frontend-backend\.yaml:6:7: kind: unknown kind 'ReleaseGrup' \(got "ReleaseGrup"\); did you mean 'ReleaseGroup'\?/)]);
  });

  test('fails on a misspelt field of a group with a positioned schema error', () => {
    const problems = specProblems(S3_TEXT.replace('    replicas: 3\n    calls:', '    replicas: 3\n    cals:'));
    expect(problems.join('\n')).toMatch(/releases\/frontend-backend\.yaml:20:5: apps\[0\]\.cals: unknown field 'cals'; did you mean 'calls'\?/);
  });

  /** One misspelt key per mapping of group.schema.json (the next test checks none is left out). */
  const TYPOS: readonly TypoCase[] = [
    { schema: '#', text: S3_TEXT.replace('domain: 192', 'domian: 192'), typo: 'domian', meant: 'domain' },
    { schema: '/definitions/GroupStep/anyOf/1', text: S3_TEXT.replace('steps: [30]', 'steps: [{ weight: 30, minSaok: 1h }]'), typo: 'minSaok', meant: 'minSoak' },
    { schema: '/definitions/GroupApp', text: S3_TEXT.replace('    image: quay.io/example/frontend-main', '    imgae: quay.io/example/frontend-main'), typo: 'imgae', meant: 'image' },
    { schema: '/definitions/Call', text: S3_TEXT.replace('configKey: backendmain.url', 'confgKey: backendmain.url'), typo: 'confgKey', meant: 'configKey' },
  ];

  test.each(TYPOS.map((c) => [`${c.schema} ${c.typo}`, c] as const))('fails on a misspelt key (%s): one problem at the key, with the key meant (no echo of the field it lacks); the key meant passes', (_name, c) => {
    expect(specProblems(c.text)).toEqual([expect.stringMatching(typoProblem('releases/frontend-backend.yaml', c))]);
    expect(specProblems(c.text.replace(c.typo, c.meant))).toEqual([]);
  });

  test('the misspelt-key cases cover every mapping of group.schema.json', () => {
    expect(new Set(TYPOS.map((c) => c.schema))).toEqual(strictMappings('group.schema.json'));
  });

  test('fails with a call-graph cycle, naming the cycle at the call that closes it', () => {
    // GIVEN backend-main calling frontend-main back
    const text = s3Text([[['apps', 1, 'calls'], [{ app: 'frontend-main', configKey: 'frontend.url' }]]]);
    // WHEN loaded THEN the cycle is named, positioned on the offending call
    const problems = specProblems(text);
    expect(problems).toEqual([expect.stringMatching(/^releases\/frontend-backend\.yaml:\d+:\d+: apps\[1\]\.calls\[0\]\.app: call graph has a cycle: frontend-main -> backend-main -> frontend-main \(got "frontend-main"\); remove one of these calls/)]);
    expect(() => groupFromText(text)).toThrow(/cycle/);
  });

  test('fails with a longer cycle that does not go through the entry', () => {
    const text = s3Text([[['apps'], [
      { name: 'frontend-main', image: 'quay.io/x/f', version: '1', newVersion: '2', calls: [{ app: 'a', configKey: 'a.url' }] },
      { name: 'a', image: 'quay.io/x/a', version: '1', calls: [{ app: 'b', configKey: 'b.url' }] },
      { name: 'b', image: 'quay.io/x/b', version: '1', calls: [{ app: 'c', configKey: 'c.url' }] },
      { name: 'c', image: 'quay.io/x/c', version: '1', calls: [{ app: 'a', configKey: 'a.url' }] },
    ]]]);
    expect(specProblems(text).join('\n')).toMatch(/apps\[3\]\.calls\[0\]\.app: call graph has a cycle: a -> b -> c -> a/);
  });

  test.each([
    ['an unknown callee', [[['apps', 0, 'calls', 0, 'app'], 'backend']], /apps\[0\]\.calls\[0\]\.app: unknown app 'backend' \(got "backend"\); use one of 'frontend-main', 'backend-main'/],
    ['an entry that is not an app', [[['entry'], 'web']], /entry: entry is not one of the group's apps/],
    ['an entry that another app calls', [[['entry'], 'backend-main']], /entry: entry app 'backend-main' is called by 'frontend-main'/],
    ['an app the entry does not reach', [[['apps', 0, 'calls'], undefined]], /apps\[1\]\.name: app 'backend-main' is not reached from the entry 'frontend-main'/],
    ['a weight outside stage 3', [[['weight'], 30]], /weight: weight is only used at stage 3 \(the entry split\); the group is at stage 1/],
    ['stage 3 without a weight', [[['stage'], 3]], /stage: stage 3 needs the entry weight \(got 3\); add weight: 30 \(the first step of the ladder\)/],
    ['a canary stage with no app changing', [[['stage'], 2], [['apps', 0, 'newVersion'], undefined], [['apps', 1, 'newVersion'], undefined]], /stage: stage 2 needs at least one app with a newVersion/],
    ['a newVersion equal to version', [[['apps', 1, 'newVersion'], '1.1']], /apps\[1\]\.newVersion: newVersion is the same as version '1\.1'/],
    ['a call key mapping to a reserved parameter', [[['apps', 0, 'calls', 0, 'configKey'], 'dc.name']], /config key 'dc\.name' maps to the reserved Template parameter DC_NAME/],
    ['a stage out of range', [[['stage'], 7]], /stage: is out of range \(<= 6 required\) \(got 7\); use a stage between 1 and 6; `npx cdk8s-canary next frontend-backend` moves it for you/],
    ['steps that do not increase', [[['steps'], [30, 10]]], /steps\[1\]: steps must increase strictly \(previous step is 30\)/],
  ] as const)('fails with %s', (_name, edits, message) => {
    // GIVEN the reference group with one mistake WHEN loaded THEN the problem is positioned and says how to fix it
    const problems = specProblems(s3Text(edits as unknown as [(string | number)[], unknown][]));
    expect(problems.join('\n')).toMatch(message);
    expect(problems.every((p) => /^releases\/frontend-backend\.yaml:\d+:\d+: /.test(p))).toBe(true);
  });

  test('an app may be unchanged: its newVersion is optional', () => {
    const g = s3Group('F');
    expect(g.apps.map((a) => a.newVersion)).toEqual(['1.2', undefined]);
  });
});
