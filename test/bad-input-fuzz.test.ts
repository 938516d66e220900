import { synthesizedRepo } from './support/cli-repo';
import { CatalogueRepo, catalogueRepo, expectRefusal, RefusalCase, refusalRows } from './support/refusal-case';
import { CONFIG, edit, GROUP, SHOP } from './support/catalogue-specs';

/**
 * The bad-input catalogue, fuzz round: the kinds of fault that mutation fuzzing of the reference
 * specs, release groups and cdk8s-canary.yaml found through the compiled CLI (wrong types, YAML
 * features, command-line values), each with its right value as a case. Every case must exit 2,
 * print a message naming the file, line, column and field (or, for a command line, the argument),
 * the value seen and the fix, print no stack trace or process warning, and leave the working tree,
 * dist/, the index and the history exactly as they were.
 */




/** A gRPC release on the Gateway's grpc listener (the grpc-greeter reference's shape). */
const GREETER = `apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: greeter
namespaces:
  production: greeter
workload:
  type: webapp
  image: ghcr.io/example/greeter
  port: 50051
  portName: grpc
stable:
  version: 1.0.0
router:
  type: grpcRoute
  parentRefs:
    - name: public
      namespace: gateway-system
      sectionName: grpc
  hostnames:
    - greeter.example.com
  methods:
    - service: helloworld.Greeter
`;

/** A case of this catalogue (test/support/refusal-case.ts). */
type Case = RefusalCase;

const CASES: readonly Case[] = [
  // YAML features the parser takes but a spec cannot
  { name: 'a list used as a map key (the YAML library printed a process warning)', files: { 'releases/shop.yaml': `${SHOP}  ? [a, b]\n  : c\n` },
    at: { file: 'releases/shop.yaml', find: '[a, b]', field: 'router' }, says: /yaml list used as a map key \(got "\[a, b\]"\); write the field name as plain text/ },
  { name: 'an alias used as a map key', files: { 'releases/shop.yaml': edit(SHOP, 'kind: Release\n', 'kind: Release\ndescription: &d shop\n*d : x\n') },
    at: { file: 'releases/shop.yaml', find: '*d', field: '' }, says: /yaml alias used as a map key \(got "\*d"\); write the field name as plain text/ },
  { name: 'lists nested 3000 deep (the parser ran out of stack)', files: { 'releases/shop.yaml': `${SHOP}description: ${'['.repeat(3000)}${']'.repeat(3000)}\n` },
    at: { file: 'releases/shop.yaml', find: '[[[[', field: '' }, says: /yaml syntax error: lists or mappings nest too deep to read; a release spec nests a few levels/ },
  { name: 'a !!binary tag (the value became a Buffer, reported as "got a mapping")', files: { 'releases/shop.yaml': edit(SHOP, 'kind: Release\n', 'kind: Release\ndescription: !!binary aGVsbG8=\n') },
    at: { file: 'releases/shop.yaml', find: 'aGVsbG8=', field: 'description' }, says: /yaml tag !!binary makes a value a spec cannot hold \(only text, numbers, true\/false, null, lists and mappings\) \(got "aGVsbG8="\); remove the tag !!binary/ },
  { name: 'a !!timestamp tag on a version (a Date)', files: { 'releases/shop.yaml': edit(SHOP, 'version: 1.0.0', 'version: !!timestamp 2026-12-01') },
    at: { file: 'releases/shop.yaml', find: '2026-12-01', field: 'stable.version' }, says: /yaml tag !!timestamp makes a value a spec cannot hold .* \(got "2026-12-01"\); remove the tag !!timestamp/ },
  { name: 'a !!set tag in cdk8s-canary.yaml (a Set)', files: { 'cdk8s-canary.yaml': `${CONFIG}clusters: !!set {in-cluster}\n` },
    at: { file: 'cdk8s-canary.yaml', find: '{in-cluster}', field: 'clusters' }, says: /yaml tag !!set makes a value a spec cannot hold/ },
  { name: 'a %YAML 1.1 directive (weight: 010 was read as 8)', files: { 'releases/shop.yaml': `%YAML 1.1\n---\n${edit(SHOP, 'weight: 10', 'weight: 010')}` },
    at: { file: 'releases/shop.yaml', find: '%YAML', field: '' }, says: /the %YAML 1\.1 directive makes the parser read YAML 1\.1 types \(010 is then 8, yes is true, 1:20 is 80\) \(got "%YAML 1\.1"\); remove the %YAML line: a spec is YAML 1\.2$/ },
  // kind and apiVersion: the hint names the line to write; a group is not read as a release
  { name: 'a release group without kind (the release schema listed its apps as unknown, its workload as missing)', files: { 'releases/fb.yaml': edit(GROUP, 'kind: ReleaseGroup\n', '') },
    at: { file: 'releases/fb.yaml', find: 'apiVersion', field: 'kind' }, says: /required field 'kind' is missing; add 'kind: ReleaseGroup' \(the file has apps:, as a release group does\)$/, problems: 1 },
  { name: 'a release group whose kind is a number', files: { 'releases/fb.yaml': edit(GROUP, 'kind: ReleaseGroup', 'kind: 1.5') },
    at: { file: 'releases/fb.yaml', find: '1.5', field: 'kind' }, says: /must be one of 'Release', 'ReleaseGroup' \(got 1\.5\); write 'kind: ReleaseGroup'/, problems: 1 },
  { name: 'a release without apiVersion (the hint did not say what to write)', files: { 'releases/shop.yaml': edit(SHOP, 'apiVersion: canary.cdk8s.io/v1alpha1\n', '') },
    at: { file: 'releases/shop.yaml', find: 'kind', field: 'apiVersion' }, says: /required field 'apiVersion' is missing; add 'apiVersion: canary\.cdk8s\.io\/v1alpha1' \(Version of this spec format\)$/ },
  { name: 'a cdk8s-canary.yaml without kind', files: { 'cdk8s-canary.yaml': edit(CONFIG, 'kind: Project\n', '') },
    at: { file: 'cdk8s-canary.yaml', find: 'apiVersion', field: 'kind' }, says: /required field 'kind' is missing; add 'kind: Project'/ },
  // Gateway API: hostnames two routes may not share
  { name: 'a GRPCRoute on the hostname of an HTTPRoute of the same Gateway (the Gateway rejects one)', files: { 'releases/greeter.yaml': edit(GREETER, 'greeter.example.com', 'shop.example.com') },
    says: /^dist\/greeter\/greeter\/grpcroute-greeter\.yaml:\d+:\d+: spec\.hostnames: GRPCRoute greeter\/greeter serves hostname shop\.example\.com on Gateway gateway-system\/public listener grpc, where HTTPRoute shop\/shop \(shop\/shop\/httproute-shop\.yaml\) serves it too: the Gateway API lets an HTTPRoute and a GRPCRoute share no hostname on a listener.*; give one of the two releases another hostname/ },
  { name: 'two GRPCRoutes for the same hostname and method on one listener', files: { 'releases/greeter.yaml': GREETER, 'releases/greeter2.yaml': GREETER.replace(/greeter(?!\.example)/g, 'greeter2').replace('ghcr.io/example/greeter2', 'ghcr.io/example/greeter') },
    says: /^dist\/greeter2\/greeter2\/grpcroute-greeter2\.yaml:\d+:\d+: spec\.rules\[0\]: GRPCRoute greeter2\/greeter2 claims parent gateway-system\/public#grpc hostname greeter\.example\.com method helloworld\.Greeter\/\*, which GRPCRoute greeter\/greeter .* already claims/ },
  // Istio: a Gateway server host was free text (the VirtualService's hosts were checked)
  { name: 'an Istio Gateway server host that is no DNS name', files: { 'releases/shop.yaml': edit(SHOP, 'namespaces:\n  production: shop\n  canary: shop-canary\n', 'namespaces:\n  production: shop\n').replace(/router:\n[\s\S]*$/, 'router:\n  type: istio\n  gateway:\n    name: shop-gateway\n    servers:\n      - port: { number: 80, name: http, protocol: HTTP }\n        hosts: [Shop_1.example.com]\n  hosts: [shop.example.com]\n') },
    at: { file: 'releases/shop.yaml', find: 'Shop_1', field: 'router.gateway.servers[0].hosts[0]' }, says: /has an invalid format \(got "Shop_1\.example\.com"\); use '\*', a host name such as 'shop\.example\.com' or a wildcard such as '\*\.example\.com', optionally after a namespace and '\/'/ },
  // files in releases/ that were skipped silently
  { name: 'a spec written as JSON in releases/ (it was skipped silently)', files: { 'releases/blog.json': JSON.stringify({ apiVersion: 'canary.cdk8s.io/v1alpha1', kind: 'Release', name: 'blog' }) },
    at: { file: 'releases/blog.json', find: '{', field: '' }, says: /spec file name ends in '\.json'; specs are read from \.yaml and \.yml files only, so this one would be skipped; rename it to blog\.yaml \(JSON is YAML: the content can stay\)/ },
  { name: 'a spec in a subfolder of releases/ (it was skipped silently)', files: { 'releases/team-b/blog.yaml': SHOP.replace(/shop/g, 'blog') },
    at: { file: 'releases/team-b/blog.yaml', find: '# yaml-language-server', field: '' }, says: /spec file in a subfolder of releases\/; only releases\/ itself is read, so this one would be skipped; move it to releases\/blog\.yaml/ },
  { name: 'a spec in a subfolder of releases/, on validate', files: { 'releases/team-b/blog.yml': SHOP.replace(/shop/g, 'blog') }, args: ['validate'],
    at: { file: 'releases/team-b/blog.yml', find: '# yaml-language-server', field: '' }, says: /spec file in a subfolder of releases\// },
  { name: "a branch with '..' in cdk8s-canary.yaml (its pattern backtracked polynomially: regex-safety)", files: { 'cdk8s-canary.yaml': `${CONFIG}  branch: release/../main\n` },
    at: { file: 'cdk8s-canary.yaml', find: 'release/', field: 'repository.branch' }, says: /has an invalid format \(got "release\/\.\.\/main"\); use a git branch name such as 'main' or 'release\/2024' \(no '\.\.'/ },
  // --output values the file system refuses
  { name: 'an output folder that is an existing file', args: ['synth', '--output', 'cdk8s-canary.yaml'],
    says: /^error: --output cdk8s-canary\.yaml: cdk8s-canary\.yaml is a file, not a folder; use a folder of generated files inside the repository/ },
  { name: 'an output folder below an existing file', args: ['synth', '--output', 'cdk8s-canary.yaml/dist'],
    says: /^error: --output cdk8s-canary\.yaml\/dist: cdk8s-canary\.yaml is a file, not a folder;/ },
  { name: 'an output folder name longer than a file system takes', args: ['synth', '--output', 'd'.repeat(300)],
    says: /^error: --output d+: the folder name "d{37}\.\.\." is 300 bytes long, more than the 232 a folder name may have; use a folder/ },
  { name: 'a newline in the output folder name', args: ['synth', '--output', 'dist\nother'],
    says: /^error: --output dist\\nother: the output folder's name holds the control character \\n; use a folder/ },
  // --dist of diff and traffic: git read paths outside the repository, a typo gave an empty report
  { name: 'diff --dist outside the repository (a raw git error, exit 1)', args: ['diff', '--dist', '/etc'],
    says: /^error: --dist \/etc: the folder is an absolute path; name the folder synth writes, relative to the repository root, e.g\. --dist dist$/ },
  { name: 'diff --dist through .. (a raw git error, exit 1)', args: ['diff', '--dist', '../dist'],
    says: /^error: --dist \.\.\/dist: the folder is outside the repository; name the folder synth writes/ },
  { name: "diff --dist '' (git: empty string is not a valid pathspec, exit 1)", args: ['diff', '--dist', ''],
    says: /^error: --dist '': the folder name is empty; name the folder synth writes/ },
  { name: 'diff --dist naming no folder (an empty report, exit 0)', args: ['diff', '--dist', 'dsit'],
    says: /^error: --dist dsit: no dsit\/ folder in the working tree, so there is nothing to compare; name the folder synth writes \(default dist\)/ },
  { name: 'traffic --dist / (it walked the file system from its root)', args: ['traffic', '--dist', '/'],
    says: /^error: --dist \/: the folder is an absolute path; name the folder synth writes/ },
  { name: 'traffic --dist . (the repository root)', args: ['traffic', '--dist', '.'],
    says: /^error: --dist \.: the folder is the repository root; name the folder synth writes/ },
  // moves: what a commit would carry, and a push that cannot happen, refused before the commit
  { name: '--push in a repository without the remote origin (the move was committed, then the push failed: exit 1)', args: ['step', 'shop', '--push'],
    says: /^error: --push: branch main has no upstream and this repository has no remote 'origin', so there is nowhere to push; add it \(`git remote add origin URL`, then `git push -u origin main` once\), or drop --push; nothing was written/ },
  { name: 'an ESC sequence in -m (git log would recolour the terminal)', args: ['step', 'shop', '-m', 'held\x1b[31m back'],
    says: /^error: -m\/--message holds the control character \\x1b at character 5, which git log would send to every terminal showing the commit; write plain text \(line breaks and tabs are fine\)$/ },
  { name: 'a right-to-left override in advance -m', args: ['advance', '-m', 'ok \u202e'],
    says: /^error: -m\/--message holds the control character \\u202e at character 4/ },
];

describe('bad-input catalogue, fuzz round (in-process and compiled CLI, real git)', () => {
  let repo: CatalogueRepo;
  beforeAll(() => {
    // GIVEN a repository with one valid release and a project config, synthesized and committed (put back after every case)
    repo = catalogueRepo(synthesizedRepo({ 'releases/shop.yaml': SHOP, 'cdk8s-canary.yaml': CONFIG }));
  });
  afterAll(() => repo.cleanup());

  test('has distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test.each(refusalRows(CASES))('fails on %s (%s CLI): exit 2, the message, nothing changed', async (_name, via, c) => {
    await expectRefusal(repo, c, ['synth'], via);
  });
});

