import * as fs from 'fs';
import * as path from 'path';
import { run } from '../lib/cli/main';
import { formatProblem } from '../lib/spec/errors';
import { loadProjectConfig, parseProjectConfig, PLACEHOLDER_REPO_URL, PROJECT_CONFIG_FILE, PROJECT_SCHEMA_COMMENT } from '../lib/spec/project-config';
import { readTree } from '../lib/manifests/files';
import { releaseYaml, removeProject, tempProject } from './support/gitops-fixtures';
import { strictMappings, TypoCase, typoProblem } from './support/schema-mappings';

const HEAD = 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\n';

/** The formatted problems of a config text (expects it to be invalid). */
function problems(text: string): string[] {
  const r = parseProjectConfig('cdk8s-canary.yaml', text);
  if (!('problems' in r)) throw new Error('expected problems, the config is valid');
  return r.problems.map(formatProblem);
}

describe('project config (cdk8s-canary.yaml)', () => {
  test('the committed file is valid, starts with the schema comment and keeps the placeholder URL documented', () => {
    // GIVEN the repository's own config
    const file = path.resolve(__dirname, '..', PROJECT_CONFIG_FILE);
    const text = fs.readFileSync(file, 'utf8');
    // THEN it loads, and tells the reader to change the URL
    expect(text.split('\n')[0]).toBe(PROJECT_SCHEMA_COMMENT);
    const c = loadProjectConfig(path.resolve(__dirname, '..'));
    expect(c.repository).toEqual({ url: PLACEHOLDER_REPO_URL, branch: 'main', path: 'dist' });
    expect(text).toMatch(/url: .*# CHANGE THIS/);
  });

  test('a missing file means every default', () => {
    const p = tempProject({});
    try {
      const c = loadProjectConfig(p.root);
      expect(c.source).toBeUndefined();
      expect(c).toMatchObject({
        repository: { url: PLACEHOLDER_REPO_URL, branch: 'main', path: 'dist' },
        clusters: [{ name: 'in-cluster', server: 'https://kubernetes.default.svc' }],
        argocd: { enabled: true, namespace: 'argocd', project: 'cdk8s-canary', mode: 'applications', selfManaged: true },
        flux: { enabled: true, namespace: 'flux-system', name: 'cdk8s-canary', sourceInterval: '1m', interval: '10m', retryInterval: '1m', timeout: '5m', selfManaged: true },
      });
    } finally { removeProject(p); }
  });

  test('only apiVersion and kind are required', () => {
    expect('config' in parseProjectConfig('cdk8s-canary.yaml', HEAD)).toBe(true);
  });

  test('fails on a misspelt field, naming the line, the field and the likely fix', () => {
    expect(problems(`${HEAD}argocd:\n  namespce: gitops\n`)).toEqual([
      "cdk8s-canary.yaml:4:3: argocd.namespce: unknown field 'namespce'; did you mean 'namespace'? (allowed: enabled, namespace, project, mode, selfManaged, preserveResourcesOnDeletion, pruneLast)",
    ]);
  });

  test('fails on an scp-style git URL, which Flux does not accept', () => {
    const [p] = problems(`${HEAD}repository:\n  url: git@github.com:org/repo.git\n`);
    expect(p).toMatch(/^cdk8s-canary\.yaml:4:8: repository\.url: has an invalid format \(got "git@github\.com:org\/repo\.git"\); use an https:\/\/ or ssh:\/\/ URL .*Flux does not accept the scp form/);
  });

  test('fails on a dist path that leaves the repository or has a trailing slash', () => {
    for (const bad of ['../dist', '/dist', 'dist/', 'a/./b']) {
      expect(problems(`${HEAD}repository:\n  path: ${bad}\n`)[0]).toMatch(/^cdk8s-canary\.yaml:4:9: repository\.path: has an invalid format .*use a relative path inside the repository/);
    }
  });

  test('fails on an unknown Argo CD mode with a suggestion', () => {
    expect(problems(`${HEAD}argocd:\n  mode: applicationset\n`)[0]).toBe(
      "cdk8s-canary.yaml:4:9: argocd.mode: must be one of 'applications', 'applicationSet' (got \"applicationset\"); did you mean 'applicationSet'?");
  });

  test('fails on an invalid duration', () => {
    expect(problems(`${HEAD}flux:\n  timeout: 5 minutes\n`)[0]).toMatch(/^cdk8s-canary\.yaml:4:12: flux\.timeout: has an invalid format \(got "5 minutes"\); use a duration such as '30s', '5m'/);
  });

  test('fails when two clusters share a name or an Argo CD server', () => {
    const out = problems(`${HEAD}flux:\n  enabled: false\nclusters:\n  - name: eu\n  - name: eu\n    server: https://eu.example.com\n  - name: us\n    server: https://eu.example.com\n`);
    expect(out).toEqual([
      "cdk8s-canary.yaml:7:11: clusters[1].name: cluster name 'eu' is already used by clusters[0] (got \"eu\"); give every cluster a unique name",
      'cdk8s-canary.yaml:10:13: clusters[2].server: cluster \'us\' has the same Argo CD server as clusters[1] (got "https://eu.example.com"); give every cluster its own server URL (the default is https://kubernetes.default.svc, the cluster Argo CD runs in)',
    ]);
  });

  test('fails when Flux would apply two clusters to the one it runs in', () => {
    const out = problems(`${HEAD}clusters:\n  - name: a\n  - name: b\n    server: https://b.example.com\n`);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^cdk8s-canary\.yaml:5:5: clusters\[1\]\.name: cluster 'b' has no kubeConfigSecretRef, like clusters\[0\]: Flux would apply both to the cluster it runs in \(got "b"\); add kubeConfigSecretRef .* or set flux\.enabled: false$/);
  });

  /**
   * Every mapping of the file refuses a key it does not know, with the key it most likely meant: a
   * typo such as `brnach:` would otherwise leave the field at its default (branch main) silently.
   * One case per mapping of project.schema.json (the next test checks none is left out); a misspelt
   * required key is one problem, not two (the unknown key's did-you-mean fixes the missing one).
   */
  const TYPOS: readonly TypoCase[] = [
    { schema: '#', text: `${HEAD}reposiotry: {}\n`, typo: 'reposiotry', meant: 'repository' },
    { schema: '/definitions/Repository', text: `${HEAD}repository:\n  url: https://github.com/acme/deploy.git\n  brnach: production\n`, typo: 'brnach', meant: 'branch' },
    { schema: '/definitions/Repository', text: `${HEAD}repository: { brnach: production }\n`, typo: 'brnach', meant: 'branch' },
    { schema: '/definitions/Cluster', text: `${HEAD}clusters:\n  - name: a\n    lables: { tier: prod }\n`, typo: 'lables', meant: 'labels' },
    { schema: '/definitions/KubeConfigSecretRef', text: `${HEAD}clusters:\n  - name: a\n    kubeConfigSecretRef: { nmae: a-kubeconfig }\n`, typo: 'nmae', meant: 'name' },
    { schema: '/definitions/ArgoCd', text: `${HEAD}argocd:\n  namespce: gitops\n`, typo: 'namespce', meant: 'namespace' },
    { schema: '/definitions/Flux', text: `${HEAD}flux:\n  intreval: 5m\n`, typo: 'intreval', meant: 'interval' },
    { schema: '/definitions/Flux/properties/secretRef', text: `${HEAD}flux:\n  secretRef: { nmae: git-auth }\n`, typo: 'nmae', meant: 'name' },
    { schema: '/definitions/FluxTenant', text: `${HEAD}flux:\n  tenants:\n    - serviceAccountName: team-a\n      relases: [shop]\n`, typo: 'relases', meant: 'releases' },
  ];

  test.each(TYPOS.map((c) => [`${c.schema} ${c.typo}`, c] as const))('fails on a misspelt key (%s): one problem at the key, with the key meant; the key meant passes', (_name, c) => {
    expect(problems(c.text)).toEqual([expect.stringMatching(typoProblem('cdk8s-canary.yaml', c))]);
    const right = parseProjectConfig('cdk8s-canary.yaml', c.text.replace(c.typo, c.meant));
    expect('problems' in right ? right.problems.map(formatProblem) : []).toEqual([]);
  });

  test('the misspelt-key cases cover every mapping of project.schema.json', () => {
    expect(new Set(TYPOS.map((c) => c.schema))).toEqual(strictMappings('project.schema.json'));
  });

  test('fails on an empty file with a hint to fill it in or delete it', () => {
    expect(problems('# nothing here\n')).toEqual([
      "cdk8s-canary.yaml:1:1: file is empty; write 'apiVersion: canary.cdk8s.io/v1alpha1' and 'kind: Project' (every other field has a default), or delete the file to use the defaults",
    ]);
  });

  test('fails through the CLI with exit code 2 and writes nothing, listing config and release problems together', async () => {
    // GIVEN a project whose config and release are both wrong
    const p = tempProject({ shop: releaseYaml('shop', { production: 'shop' }).replace('version: v0', 'version: .bad') }, `${HEAD}argocd:\n  mode: nope\n`);
    try {
      const err: string[] = [];
      // WHEN synth runs
      const code = await run(['node', 'cdk8s-canary', '-C', p.root, 'synth'], { out: () => undefined, err: (l) => err.push(l) });
      // THEN it exits 2, reports both files positioned, and dist/ was not written
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/^cdk8s-canary\.yaml:4:9: argocd\.mode: must be one of/m);
      expect(err.join('\n')).toMatch(/^releases\/shop\.yaml:\d+:\d+: stable\.version: has an invalid format/m);
      expect(err[err.length - 1]).toBe('2 problem(s) found; nothing was written');
      expect(readTree(p.distDir).size).toBe(0);
    } finally { removeProject(p); }
  });

  test('validate checks the config and the GitOps names too', async () => {
    const p = tempProject({ shop: releaseYaml('shop', { production: 'prod' }) }, `${HEAD}flux:\n  name: shop-prod\n`);
    try {
      const err: string[] = [];
      const code = await run(['node', 'cdk8s-canary', '-C', p.root, 'validate'], { out: () => undefined, err: (l) => err.push(l) });
      expect(code).toBe(2);
      expect(err[0]).toMatch(/^releases\/shop\.yaml:\d+:\d+: name: Kustomization name 'shop-prod' of folder shop\/prod is also the name of the Kustomization that syncs flux\//);
    } finally { removeProject(p); }
  });
});
