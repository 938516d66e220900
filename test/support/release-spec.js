// The one release template the tests and the benchmark build on (test/support/project.ts re-exports
// it with its types). Plain CommonJS so that scripts/bench.js can use it too, as it uses
// test/support/prometheus.js.
'use strict';

/**
 * A minimal valid web-app release spec on Gateway API (`name` in namespace `name`, image
 * `ghcr.io/example/<name>`, port 8080, host `<name>.example.com` on Gateway gateway-system/public);
 * each option adds or sets its lines (see release-spec.d.ts); `extra` lines are appended verbatim at
 * the top level, after the router.
 */
function webappSpec(name = 'shop', extra = '', opts = {}) {
  const line = (on, text) => (on ? `${text}\n` : '');
  return `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
${line(opts.comment !== undefined, `# ${opts.comment}`)}apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: ${name}
namespaces:
  production: ${name}
${line(opts.canaryNamespace !== undefined, `  canary: ${opts.canaryNamespace}`)}workload:
  type: webapp
  image: ghcr.io/example/${name}
  port: 8080
${line(opts.replicas !== undefined, `  replicas: ${opts.replicas}`)}${opts.workload ?? ''}stable:
  version: ${opts.stable ?? '1.0.0'}
${line(opts.canary !== undefined, `canary:\n  version: ${opts.canary?.version}\n  weight: ${opts.canary?.weight}`)}${line(opts.weightTotal !== undefined, `weightTotal: ${opts.weightTotal}`)}${line(opts.steps !== undefined, `steps:${String(opts.steps).startsWith('\n') ? '' : ' '}${opts.steps}`)}router:
  type: gatewayApi
  parentRefs:
    - name: public
      namespace: gateway-system
  hostnames:
    - ${name}.example.com
${opts.router ?? ''}${extra}`;
}

module.exports = { webappSpec };
