/**
 * A release's `fleet:` resolved against the clusters of cdk8s-canary.yaml (lib/spec/fleet.ts): which
 * clusters run it, in which wave, with which ladder; and every problem positioned in the spec.
 * In memory: the loader with the fixture's clusters, no files.
 */
import { formatProblem } from '../lib/spec/errors';
import { matchesSelector, waveState } from '../lib/spec/fleet';
import { parseRelease } from '../lib/spec/loader';
import { parseProjectConfig } from '../lib/spec/project-config';
import { PROJECT_CHECKS } from '../lib/synth/project';
import { fleetConfig, fleetSpec, SHOP_FLEET, WAVES } from './support/fleet';
import { strictMappings, TypoCase, typoProblem } from './support/schema-mappings';

const config = (() => {
  const r = parseProjectConfig('cdk8s-canary.yaml', fleetConfig());
  if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.config;
})();

function load(text: string) {
  return parseRelease('releases/shop.yaml', text, { relativeTo: '/', checks: PROJECT_CHECKS, clusters: () => config.clusters });
}

function problems(text: string): string[] {
  const r = load(text);
  if (!('problems' in r)) throw new Error('expected problems, the spec loaded');
  return r.problems.map(formatProblem);
}

/** `releases/shop.yaml:LINE:COL` of the n-th occurrence of `find` in `text`. */
function at(text: string, find: string, n = 1, skip = 0): string {
  let i = -1;
  for (let k = 0; k < n; k++) i = text.indexOf(find, i + 1);
  if (i >= 0) i += skip;
  if (i < 0) throw new Error(`test bug: ${find} not in the spec`);
  const before = text.slice(0, i);
  return `releases/shop.yaml:${before.split('\n').length}:${i - before.lastIndexOf('\n')}`;
}

describe('fleet: a misspelt key', () => {
  /** The fixture's fleet with one piece replaced (the piece must be there). */
  const typo = (find: string, put: string) => {
    if (!SHOP_FLEET.includes(find)) throw new Error(`test bug: ${find} is not in the fleet`);
    return fleetSpec('shop', SHOP_FLEET.replace(find, put));
  };
  /** One misspelt key per mapping of fleet.schema.json (the next test checks none is left out). */
  const TYPOS: readonly TypoCase[] = [
    { schema: '#', text: typo('  waves:', '  wavse:'), typo: 'wavse', meant: 'waves' },
    { schema: '/definitions/Wave', text: typo('      clusters: [canary-eu]', '      clustres: [canary-eu]'), typo: 'clustres', meant: 'clusters' },
    { schema: '/definitions/Promoted', text: typo('  waves:', '  promoted: { version: 1.1.0, wvae: 1 }\n  waves:').replace('stable:\n  version: 1.0.0', 'stable:\n  version: 1.0.0\ncanary:\n  version: 1.1.0\n  weight: 0'), typo: 'wvae', meant: 'wave' },
    { schema: '/definitions/LabelSelector', text: typo('matchLabels: { ring: prod }', 'matchLables: { ring: prod }'), typo: 'matchLables', meant: 'matchLabels' },
    { schema: '/definitions/LabelSelectorRequirement', text: typo('operator: DoesNotExist', 'operater: DoesNotExist'), typo: 'operater', meant: 'operator' },
  ];

  test.each(TYPOS.map((c) => [`${c.schema} ${c.typo}`, c] as const))('fails on a misspelt key (%s): one problem at the key, with the key meant; the key meant passes', (_name, c) => {
    expect(problems(c.text)).toEqual([expect.stringMatching(typoProblem('releases/shop.yaml', c))]);
    const right = load(c.text.replace(c.typo, c.meant));
    expect('problems' in right ? right.problems.map(formatProblem) : []).toEqual([]);
  });

  test('the misspelt-key cases cover every mapping of fleet.schema.json', () => {
    expect(new Set(TYPOS.map((c) => c.schema))).toEqual(strictMappings('fleet.schema.json'));
  });
});

describe('fleet: resolving the waves', () => {
  test('names and label selectors give each wave its clusters, in the order of cdk8s-canary.yaml', () => {
    // GIVEN the fixture: waves [canary-eu], [prod-eu-1], and ring=prod without a tier label
    const r = load(fleetSpec());
    if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
    const f = r.release.model.fleet!;
    // THEN the waves hold 1, 1 and 3 clusters, named and numbered, each with the release's ladder
    expect(f.waves.map((w) => [w.index, w.name, w.clusters])).toEqual([[1, 'canary', WAVES[0]], [2, 'eu', WAVES[1]], [3, 'rest', WAVES[2]]]);
    expect(f.waves.every((w) => w.steps.map((s) => s.weight).join() === '0,10,50,100' && w.checks)).toBe(true);
    expect(f.clusters.map((c) => c.name)).toEqual(WAVES.flat());
    expect(f.promoted).toBeUndefined();
  });

  test('a wave without a name is wave-<n>; its own ladder and minSoak are kept', () => {
    const r = load(fleetSpec('shop', `fleet:
  waves:
    - clusters: [canary-eu]
      steps: [0, {weight: 5, minSoak: 10m}, 100]
      minSoak: 2h
    - selector: { matchLabels: { ring: prod } }
`));
    if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
    const [w1, w2] = r.release.model.fleet!.waves;
    expect([w1.name, w2.name]).toEqual(['wave-1', 'wave-2']);
    expect(w1.steps).toEqual([{ weight: 0 }, { weight: 5, minSoakSeconds: 600 }, { weight: 100 }]);
    expect(w1.minSoakSeconds).toBe(7200);
    expect(w2.clusters).toEqual(['prod-eu-1', 'prod-eu-2', 'prod-us-1', 'prod-ap-1']);
    expect(w2.minSoakSeconds).toBeUndefined();
  });

  test('label selectors follow Kubernetes: matchLabels and In, NotIn, Exists, DoesNotExist all must hold', () => {
    const labels = { ring: 'prod', region: 'eu' };
    expect(matchesSelector(labels, {})).toBe(true);
    expect(matchesSelector(labels, { matchLabels: { ring: 'prod' } })).toBe(true);
    expect(matchesSelector(labels, { matchLabels: { ring: 'canary' } })).toBe(false);
    expect(matchesSelector(labels, { matchExpressions: [{ key: 'region', operator: 'In', values: ['eu', 'us'] }] })).toBe(true);
    expect(matchesSelector(labels, { matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }] })).toBe(false);
    expect(matchesSelector(labels, { matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['us'] }] })).toBe(true);
    expect(matchesSelector(labels, { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] })).toBe(true);
    expect(matchesSelector(labels, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] })).toBe(false);
    expect(matchesSelector(labels, { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] })).toBe(true);
    expect(matchesSelector(labels, { matchLabels: { ring: 'prod' }, matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }] })).toBe(false);
  });

  test('fleet.clusters limits which clusters wave selectors choose from', () => {
    const r = load(fleetSpec('shop', `fleet:
  clusters: [canary-eu, prod-eu-2, prod-us-1]
  waves:
    - clusters: [canary-eu]
    - selector: { matchLabels: { ring: prod } }
`));
    if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(r.release.model.fleet!.waves[1].clusters).toEqual(['prod-eu-2', 'prod-us-1']);
  });

  test('each wave runs what the spec records: promoted waves the new version, the current wave the canary, the rest stable', () => {
    // GIVEN wave 1 promoted to 1.1.0 and wave 2 running its canary at 10%
    const text = fleetSpec().replace('steps: [0', 'canary:\n  version: 1.1.0\n  weight: 10\nsteps: [0') + '  promoted:\n    version: 1.1.0\n    wave: 1\n';
    const r = load(text);
    if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
    const m = r.release.model;
    // THEN
    expect(waveState(m.spec, m.fleet!, 1)).toEqual({ stable: { version: '1.1.0' } });
    expect(waveState(m.spec, m.fleet!, 2)).toEqual({ stable: { version: '1.0.0' }, canary: { version: '1.1.0', weight: 10 } });
    expect(waveState(m.spec, m.fleet!, 3)).toEqual({ stable: { version: '1.0.0' } });
  });
});

describe('fleet: problems, positioned in the spec', () => {
  test('fails on a wave naming an unknown cluster, with a suggestion', () => {
    const text = fleetSpec().replace('clusters: [prod-eu-1]', 'clusters: [prod-eu-l]');
    expect(problems(text)).toEqual([
      `${at(text, 'prod-eu-l')}: fleet.waves[1].clusters[0]: unknown cluster 'prod-eu-l'; did you mean 'prod-eu-1'? (clusters of cdk8s-canary.yaml: canary-eu, prod-eu-1, prod-eu-2, prod-us-1, prod-ap-1) (got "prod-eu-l"); name a cluster listed under clusters: in cdk8s-canary.yaml, or add 'prod-eu-l' there`,
    ]);
  });

  test('fails on a cluster in two waves, at its second wave', () => {
    const text = fleetSpec().replace('clusters: [prod-eu-1]', 'clusters: [prod-eu-1, canary-eu]');
    expect(problems(text)).toEqual([
      `${at(text, 'canary-eu]', 2)}: fleet.waves[1].clusters[1]: cluster 'canary-eu' is in two waves: wave 1 (canary) and wave 2 (eu) (got "canary-eu"); put every cluster in exactly one wave (narrow the selector, or remove the name from one wave)`,
    ]);
  });

  test('fails on a selector that also takes a cluster of an earlier wave', () => {
    const text = fleetSpec().replace(/ {8}matchExpressions:\n.*\n/, '');
    expect(problems(text)).toEqual([
      `${at(text, 'matchLabels')}: fleet.waves[2].selector: cluster 'prod-eu-1' is in two waves: wave 2 (eu) and wave 3 (rest) (got "prod-eu-1"); put every cluster in exactly one wave (narrow the selector, or remove the name from one wave)`,
    ]);
  });

  test('fails on an empty wave: an empty list, or neither clusters nor selector', () => {
    const empty = fleetSpec().replace('clusters: [prod-eu-1]', 'clusters: []');
    expect(problems(empty)).toEqual([
      `${at(empty, '[]')}: fleet.waves[1].clusters: wave 2 (eu) is empty: it names no cluster (got a list of 0); list its clusters (clusters: [name, ...]) or select them (selector: {matchLabels: {...}}), or remove the wave`,
    ]);
    const bare = fleetSpec().replace('    - name: eu\n      clusters: [prod-eu-1]\n', '    - name: eu\n');
    expect(problems(bare)).toEqual([
      `${at(bare, 'name: eu')}: fleet.waves[1]: wave 2 (eu) is empty: it names no cluster; list its clusters (clusters: [name, ...]) or select them (selector: {matchLabels: {...}}), or remove the wave`,
    ]);
  });

  test('fails on a selector that matches nothing, naming the clusters and their labels', () => {
    const text = fleetSpec().replace('matchLabels: { ring: prod }', 'matchLabels: { ring: staging }');
    expect(problems(text)).toEqual([
      `${at(text, 'matchLabels')}: fleet.waves[2].selector: selector ring=staging, !tier of wave 3 (rest) matches no cluster of cdk8s-canary.yaml (canary-eu {ring=canary, region=eu}, prod-eu-1 {ring=prod, region=eu, tier=first}, prod-eu-2 {ring=prod, region=eu}, prod-us-1 {ring=prod, region=us}, prod-ap-1 {ring=prod, region=ap}); change the selector, or label the clusters in cdk8s-canary.yaml`,
    ]);
  });

  test('fails on a fleet selector that matches nothing', () => {
    const text = fleetSpec().replace('fleet:\n', 'fleet:\n  selector: { matchLabels: { region: mars } }\n');
    expect(problems(text)[0]).toMatch(new RegExp(`^${at(text, '{ matchLabels')}: fleet\\.selector: selector region=mars matches no cluster of cdk8s-canary\\.yaml`));
  });

  test('fails on a fleet cluster that is in no wave', () => {
    const text = fleetSpec('shop', `fleet:
  clusters: [canary-eu, prod-eu-1, prod-us-1]
  waves:
    - clusters: [canary-eu]
    - clusters: [prod-eu-1]
`);
    expect(problems(text)).toEqual([
      `${at(text, '- clusters: [canary-eu]')}: fleet.waves: cluster 'prod-us-1' runs the release (fleet.clusters) but is in no wave, so no rollout would ever reach it (got "prod-us-1"); add 'prod-us-1' to a wave, or leave it out of fleet.clusters`,
    ]);
  });

  test('fails on a wave with both clusters and selector, and on a wave cluster outside fleet.clusters', () => {
    const both = fleetSpec().replace('      clusters: [prod-eu-1]\n', '      clusters: [prod-eu-1]\n      selector: { matchLabels: { tier: first } }\n');
    expect(problems(both)).toEqual([`${at(both, '{ matchLabels: { tier')}: fleet.waves[1].selector: wave 2 (eu) has both clusters and selector; keep one of clusters or selector`]);
    const outside = fleetSpec('shop', 'fleet:\n  clusters: [canary-eu]\n  waves:\n    - clusters: [canary-eu, prod-eu-1]\n');
    expect(problems(outside)).toEqual([`${at(outside, 'prod-eu-1')}: fleet.waves[0].clusters[1]: cluster 'prod-eu-1' is not one of the fleet's clusters (fleet.clusters: canary-eu) (got "prod-eu-1"); add it to fleet.clusters or remove it from the wave`]);
  });

  test('fails on a wave ladder that goes down, and on minSoak on the last wave', () => {
    const text = fleetSpec().replace('      clusters: [prod-eu-1]\n', '      clusters: [prod-eu-1]\n      steps: [0, 50, 20]\n').replace(/ {10}- \{ key: tier, operator: DoesNotExist \}\n/, '          - { key: tier, operator: DoesNotExist }\n      minSoak: 1h\n');
    expect(problems(text)).toEqual([
      `${at(text, '20]')}: fleet.waves[1].steps[2]: steps must increase strictly (previous step is 50) (got 20); use a weight above 50 or remove this step`,
      `${at(text, '1h')}: fleet.waves[2].minSoak: the last wave's minSoak holds nothing back: no wave opens after wave 3 (rest) (got "1h"); remove it; to soak before the final promote, put minSoak on the last rung of the ladder (steps: [..., {weight: 100, minSoak: 1h}])`,
    ]);
  });

  test("fails on a wave ladder the router cannot walk, at the wave's steps (Istio starts at 0)", () => {
    const text = fleetSpec().replace(/router:\n[\s\S]*?fleet:/, 'router:\n  type: istio\nfleet:').replace('      clusters: [prod-eu-1]\n', '      clusters: [prod-eu-1]\n      steps: [10, 100]\n');
    expect(problems(text)).toEqual([expect.stringMatching(new RegExp(`^${at(text, '10, 100')}: fleet\\.waves\\[1\\]\\.steps\\[0\\]: the first step must be 0`))]);
  });

  test('fails on promoted state that does not fit: past the last wave, the stable version, another canary version', () => {
    const base = fleetSpec().replace('steps: [0', 'canary:\n  version: 1.2.0\n  weight: 10\nsteps: [0');
    const text = `${base}  promoted:\n    version: 1.1.0\n    wave: 3\n`;
    expect(problems(text)).toEqual([
      `${at(text, 'wave: 3', 1, 6)}: fleet.promoted.wave: promoted.wave 3 leaves no wave to open (the fleet has 3) (got 3); once the last wave is promoted the release is done: set stable.version to 1.1.0 and remove fleet.promoted (\`npx cdk8s-canary promote\` does this)`,
      `${at(text, '1.2.0')}: canary.version: the canary of wave 4 runs another version than waves 1..3 (1.1.0): one version walks the waves (got "1.2.0"); set canary.version to 1.1.0, or abort the rollout first (\`npx cdk8s-canary abort shop --all-waves\`)`,
    ]);
    const same = `${fleetSpec()}  promoted:\n    version: 1.0.0\n    wave: 1\n`;
    expect(problems(same)).toEqual([`${at(same, '1.0.0', 2)}: fleet.promoted.version: the promoted waves run the same version as stable (got "1.0.0"); remove fleet.promoted, or set the version the promoted waves run`]);
  });

  test('fails on checks: false in a wave of a release without checks', () => {
    const text = fleetSpec().replace('      clusters: [prod-eu-1]\n', '      clusters: [prod-eu-1]\n      checks: false\n');
    expect(problems(text)).toEqual([`${at(text, 'false')}: fleet.waves[1].checks: wave 2 (eu) turns checks off, but the release has no checks (got false); remove checks: false from the wave`]);
  });

  test('the fixture itself is valid (the cases above break it in one way each)', () => {
    expect('problems' in load(fleetSpec())).toBe(false);
    expect(SHOP_FLEET).toContain('waves:');
  });
});

describe('cdk8s-canary.yaml: pull clusters', () => {
  const HEAD = 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nclusters:\n  - name: hub\n';
  const configProblems = (text: string) => {
    const r = parseProjectConfig('cdk8s-canary.yaml', text);
    return 'problems' in r ? r.problems.map(formatProblem) : [];
  };

  test('pull clusters need no server and no kubeconfig; several of them do not clash', () => {
    const r = parseProjectConfig('cdk8s-canary.yaml', `${HEAD}  - name: edge-1\n    pull: true\n  - name: edge-2\n    pull: true\n    mirrorUrl: https://git.edge.internal/fleet.git\n`);
    if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(r.config.clusters.map((c) => [c.name, c.pull, c.mirrorUrl ?? null])).toEqual([['hub', false, null], ['edge-1', true, null], ['edge-2', true, 'https://git.edge.internal/fleet.git']]);
  });

  test('fails on credentials or a server for a pull cluster, and on a mirror for a cluster that does not pull', () => {
    expect(configProblems(`${HEAD}  - name: edge\n    pull: true\n    server: https://edge.example.com\n    kubeConfigSecretRef: { name: edge }\n`)).toEqual([
      "cdk8s-canary.yaml:8:5: clusters[1].kubeConfigSecretRef: cluster 'edge' pulls (pull: true), so no Flux reaches it with a kubeconfig; remove kubeConfigSecretRef: its own Flux applies its root in-cluster",
      'cdk8s-canary.yaml:7:13: clusters[1].server: cluster \'edge\' pulls (pull: true), so no Argo CD reaches it through a server URL (got "https://edge.example.com"); remove server: its own Argo CD applies its root in-cluster',
    ]);
    expect(configProblems(`${HEAD}  - name: eu\n    server: https://eu.example.com\n    kubeConfigSecretRef: { name: eu }\n    mirrorUrl: https://git.eu.internal/x.git\n`)).toEqual([
      'cdk8s-canary.yaml:8:16: clusters[1].mirrorUrl: cluster \'eu\' has a mirrorUrl but does not pull (got "https://git.eu.internal/x.git"); set pull: true (the cluster reads the mirror with its own Argo CD or Flux), or remove mirrorUrl',
    ]);
  });
});
