/**
 * `migrate <release>`: the final move off ingress-nginx, as a `MoveKind`. A release whose nginx router
 * has `migrateTo.gatewayApi` (see lib/routers/nginx-migration.ts) gets, in one commit, the equivalent
 * `gatewayApi` router section instead: the HTTPRoute (and ReferenceGrant) stay byte for byte what they
 * were, the Ingress pair is deleted, the rollout state (versions, weight) is untouched.
 *
 * What the operator does first (the move cannot see DNS): point the host's DNS at the Gateway, wait
 * for the old records' TTL, and check that ingress-nginx no longer receives requests for the host;
 * until then users resolving the old address would reach a controller without a route for them.
 */
import * as path from 'path';
import { describeNext, nextMoveOf, replaceSpecSection, stateOf } from '../rollout';
import { gatewayApiRouterOf } from '../routers/nginx-migration';
import { SpecError } from '../spec/errors';
import { GatewayApiRouterOptions } from '../spec/generated/release';
import { parseRelease } from '../spec/loader';
import { cacheCompiledValidators } from '../spec/schemas';
import { projectSpecOptions, renderRelease } from '../synth/project';
import { loadProjectFor } from '../synth/spec-cache';
import { releaseNamed } from '../rollout';
import { isGroupName } from './group';
import { InvalidEditError } from './errors';
import { rel } from './files';
import { MoveKind } from './kind';

/** The move that drops the ingress-nginx side of a migrating release (`router.migrateTo.gatewayApi`). */
export function migrationMove(name: string): MoveKind {
  return {
    load(ctx) {
      const { paths } = ctx;
      cacheCompiledValidators(ctx.cacheDir);
      const project = loadProjectFor(paths, name, ctx.cacheDir && path.join(ctx.cacheDir, 'valid-specs.json'));
      ctx.mark(`load+validate(${project.parsed} parsed)`);
      if (!project.release) {
        const groups = project.names.filter((n) => n === name || isGroupName(paths.root, n));
        releaseNamed(project.names.filter((n) => !groups.includes(n)).map((n) => ({ model: { name: n } })), name, groups, '`migrate`');
        throw new Error(`internal: release ${name} is listed but was not loaded`);
      }
      const release = project.release;
      const m = release.model;
      const specAbs = path.resolve(paths.root, release.file);
      const specRel = rel(paths.root, specAbs);
      return {
        name: m.name,
        label: `release ${m.name}`,
        specFile: specAbs,
        outputs: [m.name],
        plan() {
          if (m.router.type !== 'nginx' || !m.router.migrateTo) {
            // at the field that says so: router.type, or the nginx router missing its migrateTo
            const nginx = m.router.type === 'nginx';
            throw new SpecError([release.source.problem(nginx ? ['router', 'migrateTo'] : ['router', 'type'],
              `release ${m.name} is not moving off ingress-nginx (router ${m.router.type}${nginx ? ' without migrateTo' : ''}), so migrate has nothing to drop`,
              nginx ? 'add router.migrateTo.gatewayApi (the Gateway to move to), synth, commit, let the HTTPRoute carry traffic, then migrate (README, "Moving off ingress-nginx")'
                : 'migrate drops the NGINX side of a release whose nginx router has migrateTo.gatewayApi; this release has no NGINX side',
              nginx ? undefined : m.router.type)]);
          }
          const nginx = m.router;
          const router: GatewayApiRouterOptions = gatewayApiRouterOf(nginx);
          return {
            changes: true,
            renderBefore: () => renderRelease(release),
            edit(specBytes) {
              const bom = specBytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? '\ufeff' : '';
              const text = bom + replaceSpecSection(release.source, 'router', router);
              const parsed = parseRelease(specAbs, text, projectSpecOptions(paths));
              if ('problems' in parsed) throw new InvalidEditError(`the migration would make ${specRel} invalid:`, parsed.problems);
              if (JSON.stringify(parsed.release.model.router) !== JSON.stringify(router) || JSON.stringify(stateOf(parsed.release.model.spec)) !== JSON.stringify(stateOf(m.spec))) {
                throw new Error(`internal: the edited ${specRel} does not hold the router the migration computed; nothing was written (please report this with the spec file)`);
              }
              const routeName = router.routeName ?? m.name;
              const state = stateOf(m.spec);
              return {
                text,
                rendered: renderRelease(parsed.release),
                subject: { kind: 'migration', release, after: parsed.release, from: 'nginx', to: 'gatewayApi' },
                message: {
                  subject: `${m.name}: off ingress-nginx, router gatewayApi only (HTTPRoute ${m.namespaces.production}/${routeName} unchanged, Ingresses removed)`,
                  body: [
                    `DNS for ${nginx.host} must already point at the Gateway (${router.parentRefs.map((p) => `${p.namespace ? `${p.namespace}/` : ''}${p.name}`).join(', ')}) and the old records' TTLs have passed: this commit deletes the Ingresses that served it on ingress-nginx.`,
                    ...(ctx.extraMessage?.trim() ? [ctx.extraMessage.trim()] : []),
                  ].join('\n\n'),
                  trailers: [['Release', m.name], ['Move', 'migrate'], ['Router', 'nginx -> gatewayApi'],
                    ['Canary-Version', state.canary?.version ?? 'none'], ['Canary-Weight', state.canary ? String(state.canary.weight) : 'none']],
                },
                next: describeNext(nextMoveOf(state, m.steps), m.weightTotal, m.name),
              };
            },
          };
        },
      };
    },
  };
}
