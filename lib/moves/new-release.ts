/**
 * `new NAME --router TYPE`: writes `releases/NAME.yaml`, a commented release spec generated from the
 * schema (lib/spec/scaffold.ts) that validates as it is. The first `new` of a project (no spec in
 * releases/ yet) without a `cdk8s-canary.yaml` also writes that file, naming the repository's
 * remote `origin` and current branch, so dist/argocd/ and dist/flux/ point at this repository rather
 * than the placeholder. Writes nothing else: the user edits the spec, runs `synth` and commits (the
 * next steps are returned for the CLI to print).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Git, GitError } from '../git';
import { closest } from '../spec/ajv-problems';
import { SpecError, UsageError } from '../spec/errors';
import { cliCommand, CLI } from '../spec/hints';
import { parseRelease, specFiles } from '../spec/loader';
import { parseProjectConfig, PLACEHOLDER_REPO_URL, PROJECT_CONFIG_FILE, scaffoldProjectConfig } from '../spec/project-config';
import { routerTypes, scaffoldRelease, ScaffoldOptions } from '../spec/scaffold';
import { SCHEMA_FILES } from '../spec/schemas';
import { PROJECT_CHECKS, projectPaths } from '../synth/project';
import { rel } from './files';

/** What `new` wrote. */
export interface NewReleaseResult {
  /** The spec file, relative to the root (`releases/shop.yaml`). */
  readonly file: string;
  readonly router: string;
  /** What was written, one line a file (`wrote releases/shop.yaml (router nginx, stable 1.0.0, no canary)`). */
  readonly summary: string;
  /** The project file, when this `new` started the project and wrote it (`cdk8s-canary.yaml`). */
  readonly projectFile?: string;
  /** What to do next, one line each, commands as the README writes them. */
  readonly next: readonly string[];
}

/**
 * Writes a new release spec into the project at `root`.
 * @throws UsageError (nothing written) for a name that is not a DNS-1123 label, an unknown or
 *   missing router, or a name a spec in releases/ already has; SpecError when the generated spec
 *   does not validate with these options (e.g. a reserved namespace)
 */
export async function newRelease(root: string, o: Partial<ScaffoldOptions> & { readonly name: string }): Promise<NewReleaseResult> {
  const paths = projectPaths(root);
  const label = (SCHEMA_FILES as Record<string, any>[]).find((s) => s.$id === 'release.schema.json')?.definitions?.DnsLabel as { pattern: string; maxLength: number; 'x-hint': string };
  if (!new RegExp(label.pattern).test(o.name) || o.name.length > label.maxLength) {
    throw new UsageError(`release name '${o.name}' is not valid; ${label['x-hint']} (it names the file releases/NAME.yaml, the dist/ folder and the objects)`);
  }
  const routers = routerTypes();
  if (o.router === undefined) throw new UsageError(`new needs --router TYPE, one of ${routers.join(', ')} (e.g. ${cliCommand(`new ${o.name} --router ${routers[0]}`)})`);
  if (!routers.includes(o.router)) {
    const guess = closest(o.router, routers);
    throw new UsageError(`unknown router '${o.router}'; ${guess ? `did you mean '${guess}'? ` : ''}use one of ${routers.join(', ')}`);
  }
  const firstSpec = !fs.existsSync(paths.releasesDir) || specFiles(paths.releasesDir).length === 0;
  const taken = fs.existsSync(paths.releasesDir) ? specFiles(paths.releasesDir).find((f) => path.basename(f).replace(/\.ya?ml$/i, '') === o.name) : undefined;
  if (taken) throw new UsageError(`${rel(paths.root, taken)} already exists; choose another name, or edit that file`);
  const file = path.join(paths.releasesDir, `${o.name}.yaml`);
  const schema = schemaPathFor(paths.root);
  const text = scaffoldRelease({ ...o, router: o.router, ...schema });
  const parsed = parseRelease(file, text, { checks: PROJECT_CHECKS, relativeTo: paths.root });
  if ('problems' in parsed) throw new SpecError(parsed.problems, `new ${o.name}: the spec these options give is invalid; nothing was written:`);
  const project = firstSpec && !fs.existsSync(path.join(paths.root, PROJECT_CONFIG_FILE)) ? await projectFileFor(paths.root, schema.schemaPath) : undefined;
  if (!fs.existsSync(paths.releasesDir)) fs.mkdirSync(paths.releasesDir);
  fs.writeFileSync(file, text, { flag: 'wx' });
  if (project) {
    try {
      fs.writeFileSync(path.join(paths.root, PROJECT_CONFIG_FILE), project.text, { flag: 'wx' });
    } catch (e) {
      fs.rmSync(file, { force: true }); // all or nothing
      throw e;
    }
  }
  const shown = rel(paths.root, file);
  const added = project ? `${shown} ${PROJECT_CONFIG_FILE}` : shown;
  return {
    file: shown,
    router: o.router,
    ...(project ? { projectFile: PROJECT_CONFIG_FILE } : {}),
    summary: [
      `wrote ${shown} (router ${o.router}, stable ${parsed.release.model.stable.version}, no canary)`,
      ...(project ? [`wrote ${PROJECT_CONFIG_FILE} (repository ${project.url}, branch ${project.branch}: where Argo CD and Flux fetch dist/ from)`] : []),
    ].join('\n'),
    next: [
      ...(project && project.url === PLACEHOLDER_REPO_URL ? [`next: set repository.url in ${PROJECT_CONFIG_FILE} to your repository's clone URL (this repository has no remote 'origin' to take it from); until then Argo CD and Flux would fetch the placeholder`] : []),
      `next: set workload.image, workload.port and the router in ${shown} to yours (comments say what each field does), then`,
      `  ${CLI} synth                # dist/${o.name}/, and dist/argocd/ and dist/flux/ gain it`,
      `  git add ${added} dist && git commit -m "${o.name}: first release"`,
      `  ${CLI} start ${o.name} --version VERSION`,
    ],
  };
}

/**
 * The cdk8s-canary.yaml of a project `new` starts: the clone URL of the remote `origin` and the
 * current branch, when the project is a git repository that has them and they are values the file
 * takes; else the placeholder URL (marked CHANGE THIS) and `main`.
 */
async function projectFileFor(root: string, releaseSchemaPath: string | undefined): Promise<{ text: string; url: string; branch: string }> {
  let remoteUrl: string | undefined;
  let branch: string | undefined;
  try {
    const git = await Git.open(root);
    remoteUrl = await git.remoteUrl('origin');
    branch = (await git.head()).branch;
  } catch (e) {
    if (!(e instanceof GitError)) throw e; // not a repository (yet): the defaults
  }
  const schemaPath = releaseSchemaPath?.replace(/^\.\.\//, '').replace(/release\.schema\.json$/, 'project.schema.json');
  const candidates = [{ remoteUrl, branch }, { remoteUrl, branch: undefined }, { remoteUrl: undefined, branch }, { remoteUrl: undefined, branch: undefined }];
  for (const c of candidates) {
    const text = scaffoldProjectConfig({ ...c, ...(schemaPath ? { schemaPath } : {}) });
    const r = parseProjectConfig(PROJECT_CONFIG_FILE, text);
    if ('config' in r) return { text, url: r.config.repository.url, branch: r.config.repository.branch };
  }
  throw new Error('internal: the default cdk8s-canary.yaml does not validate');
}

/**
 * Where the spec's `$schema=` line points: this repository's `lib/spec/schema/` when the project is a
 * clone of it (the README's set-up), else the installed package's copy in `node_modules/` (a project
 * that installed cdk8s-canary with npm): `../lib/spec/schema/` does not exist there.
 */
function schemaPathFor(root: string): { schemaPath?: string } {
  const own = path.join(root, 'lib', 'spec', 'schema', 'release.schema.json');
  const installed = path.join(root, 'node_modules', 'cdk8s-canary', 'lib', 'spec', 'schema', 'release.schema.json');
  return !fs.existsSync(own) && fs.existsSync(installed) ? { schemaPath: '../node_modules/cdk8s-canary/lib/spec/schema/release.schema.json' } : {};
}
