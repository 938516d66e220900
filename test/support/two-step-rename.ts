import * as fs from 'fs';
import * as path from 'path';
import { cli } from './cli-repo';
import { git, projectRepo } from './git-repo';

/** The reference webapp release (releases/webapp.yaml) on NGINX, webapp.example.com, canary 2.0.0 at 10%. */
export const NGINX_WEBAPP_AT_10 = fs.readFileSync(path.join(__dirname, '..', '..', 'releases', 'webapp.yaml'), 'utf8')
  .replace(/^router:\n(?: .*\n)*/m, 'router:\n  type: nginx\n  host: webapp.example.com\n')
  .replace(/^stable:\n  version: 1\.0\.0\n/m, 'stable:\n  version: 1.0.0\ncanary:\n  version: 2.0.0\n  weight: 10\n');

/** The two settings that keep a unit's objects when it leaves dist/ (the first step of a rename). */
export const KEEP_OBJECTS = 'argocd:\n  preserveResourcesOnDeletion: true\nflux:\n  deletionPolicy: Orphan\n';

/**
 * A project whose release webapp (NGINX, canary at 10%) is renamed webapp2 in namespace `ns` the
 * two-step way: the KEEP_OBJECTS settings committed with webapp synthesized, then the rename
 * synthesized and left uncommitted. Returns the repository folder.
 */
export function twoStepRenameRepo(ns: string): string {
  const dir = projectRepo({ copy: [], specs: { webapp: NGINX_WEBAPP_AT_10 } });
  fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), `apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\n${KEEP_OBJECTS}`);
  expect(cli(dir, ['synth']).status).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'keep objects when a unit goes');
  fs.rmSync(path.join(dir, 'releases/webapp.yaml'));
  fs.writeFileSync(path.join(dir, 'releases/webapp2.yaml'), NGINX_WEBAPP_AT_10.replace(/^name: webapp$/m, 'name: webapp2').replace(/^  production: webapp$/m, `  production: ${ns}`));
  expect(cli(dir, ['synth']).status).toBe(0);
  return dir;
}
