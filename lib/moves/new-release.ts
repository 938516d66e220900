/**
 * `new NAME --router TYPE`: writes `releases/NAME.yaml`, a commented release spec generated from the
 * schema (lib/spec/scaffold.ts) that validates as it is. Writes nothing else: the user edits it, runs
 * `synth` and commits both (the next steps are returned for the CLI to print).
 */
import * as fs from 'fs';
import * as path from 'path';
import { closest } from '../spec/ajv-problems';
import { SpecError, UsageError } from '../spec/errors';
import { cliCommand, CLI } from '../spec/hints';
import { parseRelease, specFiles } from '../spec/loader';
import { routerTypes, scaffoldRelease, ScaffoldOptions } from '../spec/scaffold';
import { SCHEMA_FILES } from '../spec/schemas';
import { PROJECT_CHECKS, projectPaths } from '../synth/project';
import { rel } from './files';

/** What `new` wrote. */
export interface NewReleaseResult {
  /** The spec file, relative to the root (`releases/shop.yaml`). */
  readonly file: string;
  readonly router: string;
  /** One line: what was written (`wrote releases/shop.yaml (router nginx, stable 1.0.0, no canary)`). */
  readonly summary: string;
  /** What to do next, one line each, commands as the README writes them. */
  readonly next: readonly string[];
}

/**
 * Writes a new release spec into the project at `root`.
 * @throws UsageError (nothing written) for a name that is not a DNS-1123 label, an unknown or
 *   missing router, or a name a spec in releases/ already has; SpecError when the generated spec
 *   does not validate with these options (e.g. a reserved namespace)
 */
export function newRelease(root: string, o: Partial<ScaffoldOptions> & { readonly name: string }): NewReleaseResult {
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
  if (!fs.existsSync(paths.releasesDir)) fs.mkdirSync(paths.releasesDir);
  const taken = specFiles(paths.releasesDir).find((f) => path.basename(f).replace(/\.ya?ml$/i, '') === o.name);
  if (taken) throw new UsageError(`${rel(paths.root, taken)} already exists; choose another name, or edit that file`);
  const file = path.join(paths.releasesDir, `${o.name}.yaml`);
  const text = scaffoldRelease({ ...o, router: o.router, ...schemaPathFor(paths.root) });
  const parsed = parseRelease(file, text, { checks: PROJECT_CHECKS, relativeTo: paths.root });
  if ('problems' in parsed) throw new SpecError(parsed.problems, `new ${o.name}: the spec these options give is invalid; nothing was written:`);
  fs.writeFileSync(file, text, { flag: 'wx' });
  const shown = rel(paths.root, file);
  return {
    file: shown,
    router: o.router,
    summary: `wrote ${shown} (router ${o.router}, stable ${parsed.release.model.stable.version}, no canary)`,
    next: [
      `next: set workload.image, workload.port and the router in ${shown} to yours (comments say what each field does), then`,
      `  ${CLI} synth                # dist/${o.name}/, and dist/argocd/ and dist/flux/ gain it`,
      `  git add ${shown} dist && git commit -m "${o.name}: first release"`,
      `  ${CLI} start ${o.name} --version VERSION`,
    ],
  };
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
