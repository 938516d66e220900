import * as path from 'path';
import { validateObject, validateTree } from './support/kube-schemas';

describe('strict schema validation of dist/', () => {
  test('every committed object in dist/ passes its upstream schema', () => {
    // GIVEN the committed dist/
    // WHEN every object is validated against the Kubernetes 1.27 definitions and the CRDs
    const r = validateTree(path.resolve(__dirname, '../dist'));
    // THEN there are objects and none has a problem
    expect(r.objects).toBeGreaterThan(0);
    expect(r.problems).toEqual([]);
  });

  test('the validator is strict: an unknown field fails', () => {
    // GIVEN a Service with a misspelt field
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80 }], selectr: { app: 'x' } } };
    // WHEN validated THEN the unknown field is reported
    expect(validateObject(svc).join('\n')).toMatch(/selectr/);
  });

  test('the validator is strict for CRDs too: a wrong type in an HTTPRoute fails', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { rules: [{ backendRefs: [{ name: 's', port: 80, weight: 'ten' }] }] } };
    expect(validateObject(route).join('\n')).toMatch(/weight/);
  });

  test('an unknown kind is a problem, not a pass', () => {
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Nope' })).toEqual(['no schema for example.com/v1/Nope']);
  });
});
