import Ajv, { ValidateFunction } from 'ajv';
import gatewayApiSchema from './schema/router-gateway-api.schema.json';
import istioSchema from './schema/router-istio.schema.json';
import nginxSchema from './schema/router-nginx.schema.json';
import openshiftRouteSchema from './schema/router-openshift-route.schema.json';
import projectSchema from './schema/project.schema.json';
import releaseSchema from './schema/release.schema.json';

/** Every schema file of the spec, by its `$id`. The files in ./schema are the single source of truth. */
export const SCHEMA_FILES: readonly object[] = [releaseSchema, nginxSchema, gatewayApiSchema, istioSchema, openshiftRouteSchema, projectSchema];

let ajv: Ajv | undefined;

/** The one ajv instance holding all spec schemas (compiled lazily, once per process). */
export function specAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      discriminator: true,
      allowUnionTypes: true,
    });
    ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
    for (const s of SCHEMA_FILES) ajv.addSchema(s);
  }
  return ajv;
}

/** The validator of a top-level schema by `$id`, e.g. `release.schema.json`. */
export function validatorFor(id: string): ValidateFunction {
  const v = specAjv().getSchema(id);
  if (!v) throw new Error(`internal: schema ${id} is not registered`);
  return v;
}
