/**
 * The fleet's bad-input list (issue 17), through the CLI (in-process, a sample compiled) in a real git repository whose
 * config, specs and dist/ are committed: a wave naming an unknown cluster, a cluster in two waves, an
 * empty wave, a selector that matches nothing, removing a cluster that still runs a canary, and
 * fleet-only options on other releases. Each must exit 2 with a message naming FILE:LINE:COL and the
 * field (or the argument), and leave the working tree, dist/, the specs, the index and the history
 * exactly as they were.
 */
import { edit } from './support/catalogue-specs';
import { synthesizedRepo } from './support/cli-repo';
import { CatalogueRepo, catalogueRepo, expectRefusal, RefusalCase, refusalRows } from './support/refusal-case';
import { fleetConfig, fleetSpec } from './support/fleet';
import { webappSpec } from './support/project';

/** The fleet of these cases: wave 1 (canary-eu, prod-eu-1) runs canary 1.1.0 at 10%; wave 2 by names. */
const FLEET = `fleet:
  waves:
    - name: first
      clusters: [canary-eu, prod-eu-1]
    - name: rest
      clusters: [prod-eu-2, prod-us-1, prod-ap-1]
`;
const SHOP = fleetSpec('shop', FLEET).replace('steps: [0', 'canary:\n  version: 1.1.0\n  weight: 10\nsteps: [0');
const CONFIG = fleetConfig();
/** An analysis section over the wave's clusters (never queried: these cases fail at load). */
const ANALYSIS = `analysis:
  metrics:
    - name: error-rate
      provider: { prometheus: { address: http://127.0.0.1:9 } }
      query: sum(rate(http_requests_total{cluster=~"{{clusters}}",code=~"5.."}[{{window}}]))
      successCondition: result[0] <= 0.01
`;
const SHOP_ANALYSED = SHOP.replace('fleet:\n', `${ANALYSIS}fleet:\n`);

/** A case of this catalogue (test/support/refusal-case.ts). */
type Case = RefusalCase;

const CASES: readonly Case[] = [
  { name: 'a wave naming an unknown cluster', files: { 'releases/shop.yaml': edit(SHOP, 'prod-us-1,', 'prod-us-9,') },
    at: { file: 'releases/shop.yaml', find: 'prod-us-9', field: 'fleet.waves[1].clusters[1]' }, says: /unknown cluster 'prod-us-9'; did you mean 'prod-us-1'\? \(clusters of cdk8s-canary\.yaml: canary-eu, prod-eu-1, prod-eu-2, prod-us-1, prod-ap-1\)/ },
  { name: 'a cluster in two waves', files: { 'releases/shop.yaml': edit(SHOP, '[prod-eu-2,', '[prod-eu-1, prod-eu-2,') },
    at: { file: 'releases/shop.yaml', find: 'prod-eu-1, prod-eu-2', field: 'fleet.waves[1].clusters[0]' }, says: /cluster 'prod-eu-1' is in two waves: wave 1 \(first\) and wave 2 \(rest\)/ },
  { name: 'an empty wave', files: { 'releases/shop.yaml': `${SHOP}    - name: later\n      clusters: []\n` },
    at: { file: 'releases/shop.yaml', find: '[]', field: 'fleet.waves[2].clusters' }, says: /wave 3 \(later\) is empty: it names no cluster/ },
  { name: 'a selector that matches nothing', files: { 'releases/shop.yaml': edit(SHOP, 'clusters: [prod-eu-2, prod-us-1, prod-ap-1]', 'selector: { matchLabels: { ring: staging } }') },
    at: { file: 'releases/shop.yaml', find: '{ matchLabels', field: 'fleet.waves[1].selector' }, says: /selector ring=staging of wave 2 \(rest\) matches no cluster of cdk8s-canary\.yaml/ },
  { name: 'removing a cluster that still runs a canary (from its wave)', files: { 'releases/shop.yaml': edit(SHOP, '[canary-eu, prod-eu-1]', '[canary-eu]') },
    at: { file: 'releases/shop.yaml', find: 'fleet:', field: 'fleet' }, says: /cluster 'prod-eu-1' still runs canary 1\.1\.0 of shop \(dist\/shop\/prod-eu-1\/\), but the fleet no longer includes it; its folders, and the canary with them, would be deleted mid-rollout \(got "prod-eu-1"\); put the cluster back until the rollout is done there/ },
  { name: 'removing a cluster that still runs a canary, seen by validate as by synth', files: { 'releases/shop.yaml': edit(SHOP, '[canary-eu, prod-eu-1]', '[canary-eu]') }, args: ['validate'],
    at: { file: 'releases/shop.yaml', find: 'fleet:', field: 'fleet' }, says: /cluster 'prod-eu-1' still runs canary 1\.1\.0 of shop \(dist\/shop\/prod-eu-1\/\), but the fleet no longer includes it; its folders, and the canary with them, would be deleted mid-rollout/ },
  { name: 'removing a cluster that still runs a canary (from cdk8s-canary.yaml)', files: { 'cdk8s-canary.yaml': CONFIG.replace(/ {2}- name: prod-eu-1\n(?: {4}.*\n)+/, '') },
    at: { file: 'releases/shop.yaml', find: 'prod-eu-1', field: 'fleet.waves[0].clusters[1]' }, says: /unknown cluster 'prod-eu-1'/ },
  { name: 'removing a cluster that still runs a canary, then moving', files: { 'releases/shop.yaml': edit(SHOP, '[canary-eu, prod-eu-1]', '[canary-eu]') }, args: ['step', 'shop'],
    says: /dist\/shop\/ does not hold the clusters of releases\/shop\.yaml's fleet \(not in the fleet: prod-eu-1\); run `npx cdk8s-canary synth` and commit dist\/ first/ },
  { name: 'a fleet without the canary version its promoted waves run', files: { 'releases/shop.yaml': `${SHOP}  promoted:\n    version: 1.0.5\n    wave: 1\n` },
    at: { file: 'releases/shop.yaml', find: '1.1.0', field: 'canary.version' }, says: /the canary of wave 2 runs another version than waves 1\.\.1 \(1\.0\.5\): one version walks the waves/ },
  { name: 'a cluster label that is not a Kubernetes label', files: { 'cdk8s-canary.yaml': edit(CONFIG, 'labels: { ring: canary, region: eu }', 'labels: { ring: canary, "bad key!": eu }') },
    at: { file: 'cdk8s-canary.yaml', find: '"bad key!"', field: 'clusters[0].labels["bad key!"]' }, says: /key has an invalid format \(got "bad key!"\); use a Kubernetes label key/ },
  { name: 'a fleet template variable in a release without a fleet', files: { 'releases/blog.yaml': webappSpec('blog') + ANALYSIS },
    at: { file: 'releases/blog.yaml', find: 'sum(rate', field: 'analysis.metrics[0].query' }, says: /template variable 'clusters' exists only in releases with fleet: at offset 39 \(got "sum\(rate.*"\); remove \{\{clusters\}\} \(the clusters of the track under analysis/ },
  { name: 'autoOpen on the first wave', files: { 'releases/shop.yaml': edit(SHOP_ANALYSED, '      clusters: [canary-eu, prod-eu-1]\n', '      clusters: [canary-eu, prod-eu-1]\n      autoOpen: true\n') },
    at: { file: 'releases/shop.yaml', find: 'true', field: 'fleet.waves[0].autoOpen' }, says: /wave 1 \(first\) is opened by start, a person's move: autoOpen holds nothing here/ },
  { name: 'autoOpen without an analysis section', files: { 'releases/shop.yaml': `${SHOP}      autoOpen: true\n` },
    at: { file: 'releases/shop.yaml', find: 'true', field: 'fleet.waves[1].autoOpen' }, says: /wave 2 \(rest\) has autoOpen, but the release has no analysis: advance opens a wave only when the analysis of the wave before it passes/ },
  { name: 'autoOpen after a wave whose analysis is off', files: { 'releases/shop.yaml': edit(`${SHOP_ANALYSED}      autoOpen: true\n`, '      clusters: [canary-eu, prod-eu-1]\n', '      clusters: [canary-eu, prod-eu-1]\n      analysis: false\n') },
    at: { file: 'releases/shop.yaml', find: 'true', field: 'fleet.waves[1].autoOpen' }, says: /wave 2 \(rest\) has autoOpen, but wave 1 turns the analysis off \(analysis: false\), so nothing would judge it before wave 2 \(rest\) opens/ },
  { name: 'a wave turning off an analysis the release does not have', files: { 'releases/shop.yaml': `${SHOP}      analysis: false\n` },
    at: { file: 'releases/shop.yaml', find: 'false', field: 'fleet.waves[1].analysis' }, says: /wave 2 \(rest\) turns the analysis off, but the release has no analysis/ },
  { name: '--all-waves on a release without a fleet', args: ['abort', 'blog', '--all-waves'], says: /--all-waves applies to releases with fleet:; release blog has none: drop --all-waves/ },
  // a command the spec has no section for: at the spec's top level, where the section goes
  { name: 'next-wave on a release without a fleet', args: ['next-wave', 'blog'],
    at: { file: 'releases/blog.yaml', find: 'apiVersion', field: 'fleet' }, says: /release blog has no fleet: in its spec, so there is no wave to open; next-wave moves releases that roll out across waves of clusters: add fleet: with waves/ },
  { name: 'analyze in a wave that turns the analysis off', args: ['analyze', 'shop'],
    files: { 'releases/shop.yaml': edit(SHOP_ANALYSED, '      clusters: [canary-eu, prod-eu-1]\n', '      clusters: [canary-eu, prod-eu-1]\n      analysis: false\n') },
    at: { file: 'releases/shop.yaml', find: 'false', field: 'fleet.waves[0].analysis' }, says: /wave 1\/2 \(first\) of release shop turns the analysis off, so there is nothing to analyze there \(got false\); remove analysis: false from the wave/ },
  { name: 'next-wave while the current wave runs its canary', args: ['next-wave', 'shop'], says: /wave 1\/2 \(first\) of release shop still runs canary 1\.1\.0 at 10%; promote it first \(`npx cdk8s-canary promote shop`\), or abort it/ },
  { name: 'traffic --cluster naming no fleet cluster', args: ['traffic', '--cluster', 'prod-mars'], says: /--cluster prod-mars: no fleet release has folders for that cluster in dist\// },
];

describe('fleet bad input (in-process and compiled CLI, real git)', () => {
  let repo: CatalogueRepo;
  beforeAll(() => {
    // GIVEN a repository with the fleet release (canary in wave 1) and a plain release, synthesized and committed (put back after every case)
    repo = catalogueRepo(synthesizedRepo({ 'cdk8s-canary.yaml': CONFIG, 'releases/shop.yaml': SHOP, 'releases/blog.yaml': webappSpec('blog'), '.gitignore': '' }));
  });
  afterAll(() => repo.cleanup());

  test('covers the issue\'s list, each case with its own name', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    for (const k of ['unknown cluster', 'two waves', 'empty wave', 'matches nothing', 'still runs a canary']) expect(CASES.some((c) => c.name.includes(k))).toBe(true);
  });

  test.each(refusalRows(CASES))('fails on %s (%s CLI): exit 2, the message, nothing changed', async (_name, via, c) => {
    await expectRefusal(repo, c, ['synth'], via);
  });
});
