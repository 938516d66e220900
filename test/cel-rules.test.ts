/**
 * The strict validator runs the upstream CRDs' CEL rules (x-kubernetes-validations) like the API
 * server: after structural defaulting, with Kubernetes' property-name escaping.
 */
import { escapeProperty } from './support/cel-rules';
import { validateObject } from './support/kube-schemas';

const route = (spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'r', namespace: 'ns' },
  spec,
});
const backend = { name: 'web', port: 8080 };

describe('CEL rules of the vendored CRDs', () => {
  test('GIVEN a valid HTTPRoute WHEN validated THEN no problem', () => {
    expect(validateObject(route({ parentRefs: [{ name: 'gw', namespace: 'infra' }], rules: [{ backendRefs: [backend] }] }))).toEqual([]);
  });

  test('fails an HTTPRoute mirror filter with both percent and fraction (a rule only CEL expresses)', () => {
    const r = route({ rules: [{ backendRefs: [backend], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: backend, percent: 10, fraction: { numerator: 1, denominator: 10 } } }] }] });
    expect(validateObject(r).join('\n')).toMatch(/Only one of percent or fraction may be specified/);
  });

  test('fails a mirror backendRef without a port, which needs the defaults group "" and kind Service applied first', () => {
    const r = route({ rules: [{ backendRefs: [backend], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'web' } } }] }] });
    expect(validateObject(r).join('\n')).toMatch(/Must have port for Service reference/);
  });

  test('fails two parentRefs to one parent unless each names its own sectionName, reading namespace as __namespace__', () => {
    const rules = [{ backendRefs: [backend] }];
    // WHEN one of two refs to the same parent names a section and the other does not
    const oneSection = route({ parentRefs: [{ name: 'gw', namespace: 'infra' }, { name: 'gw', namespace: 'infra', sectionName: 'http' }], rules });
    expect(validateObject(oneSection).join('\n')).toMatch(/sectionName must be specified when parentRefs includes 2 or more references to the same parent/);
    // WHEN both refs are the same
    const same = route({ parentRefs: [{ name: 'gw', namespace: 'infra' }, { name: 'gw', namespace: 'infra' }], rules });
    expect(validateObject(same).join('\n')).toMatch(/sectionName must be unique when parentRefs includes 2 or more references to the same parent/);
    // THEN the same name in two namespaces is two parents: valid (the rule saw the escaped namespace)
    const two = route({ parentRefs: [{ name: 'gw', namespace: 'a' }, { name: 'gw', namespace: 'b' }], rules });
    expect(validateObject(two)).toEqual([]);
  });

  test('GIVEN property names WHEN escaped THEN Kubernetes CEL spelling', () => {
    expect(escapeProperty('namespace')).toBe('__namespace__');
    expect(escapeProperty('a-b.c/d')).toBe('a__dash__b__dot__c__slash__d');
    expect(escapeProperty('x__y')).toBe('x__underscores__y');
    expect(escapeProperty('weight')).toBe('weight');
  });
});
