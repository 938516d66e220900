import type * as Cel from '@bufbuild/cel';

/**
 * successCondition / failureCondition: CEL expressions (https://cel.dev, the language of Kubernetes
 * ValidatingAdmissionPolicy and CRD validation rules) evaluated by @bufbuild/cel. Variables:
 * `result`, the measured values as a list of doubles (`result[0] <= 0.01`, `result.all(x, x < 0.5)`,
 * `size(result)`), and with `compare: stable`, `baseline`, the stable track's values.
 *
 * CEL does not mix int and double in arithmetic: `result[0] * 100.0`, not `result[0] * 100`
 * (comparisons mix freely: `result[0] < 1` is fine). A condition is compiled and tried on sample
 * values when the spec is loaded, so such mistakes are bad input (exit 2), not runtime failures.
 */

/** A compiled condition. */
export interface Condition {
  readonly text: string;
  /** Evaluates it; throws ConditionError when it fails at run time (e.g. `result[1]` of one value). */
  evaluate(result: readonly number[], baseline?: readonly number[]): boolean;
}

/** A condition that cannot be evaluated on the values it was given. */
export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

let cel: typeof Cel | undefined;
/** @bufbuild/cel, loaded on first use (a release without analysis never loads it). */
function celLib(): typeof Cel {
  if (!cel) cel = require('@bufbuild/cel') as typeof Cel; // eslint-disable-line @typescript-eslint/no-require-imports
  return cel;
}

/**
 * Compiles a condition. Returns it, or a problem (message and hint) when it does not parse, names an
 * unknown variable or function, mixes types CEL does not combine, or does not give a boolean.
 * `withBaseline` says whether `baseline` is bound (the metric has `compare: stable`).
 */
export function compileCondition(text: string, withBaseline: boolean): Condition | { problem: { message: string; hint: string } } {
  const c = celLib();
  let parsed: ReturnType<typeof Cel.parse>;
  try {
    parsed = c.parse(text);
  } catch (e) {
    return { problem: { message: `condition cannot be parsed: ${cleanMessage((e as Error).message)}`, hint: 'write a CEL expression over result, such as result[0] <= 0.01' } };
  }
  const vars = withBaseline ? ['result', 'baseline'] : ['result'];
  let run: (bindings: Record<string, unknown>) => unknown;
  try {
    const env = c.celEnv();
    const planned = c.plan(env, parsed);
    run = (b) => planned(b as never);
  } catch (e) {
    return { problem: { message: `condition cannot be planned: ${cleanMessage((e as Error).message)}`, hint: 'write a CEL expression over result, such as result[0] <= 0.01' } };
  }
  // Try it on sample values: unknown names, type mix-ups and non-boolean results show up here.
  const sample = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  const tried = run(withBaseline ? { result: sample, baseline: sample } : { result: sample });
  if (c.isCelError(tried)) {
    const msg = cleanMessage(tried.message);
    if (/unresolved attribute|undeclared reference/i.test(msg)) {
      return { problem: { message: `condition uses an unknown variable (${msg})`, hint: `use ${vars.join(' and ')}${withBaseline ? '' : ' (baseline needs compare: stable)'}` } };
    }
    if (/overload|unbound function|no such/i.test(msg)) {
      const ints = /\(double, int\)|\(int, double\)/.test(msg) ? '; CEL does not mix int and double in arithmetic: write 100.0 instead of 100' : '';
      return { problem: { message: `condition cannot be evaluated: ${msg}`, hint: `fix the expression${ints}` } };
    }
    // other errors (an index past the sample values) depend on the data: they surface at run time
  } else if (typeof tried !== 'boolean') {
    return { problem: { message: `condition gives ${describe(tried)}, not a boolean`, hint: 'compare the value, e.g. result[0] <= 0.01' } };
  }
  return {
    text,
    evaluate(result, baseline) {
      const v = run(baseline ? { result: [...result], baseline: [...baseline] } : { result: [...result] });
      if (c.isCelError(v)) throw new ConditionError(`condition '${text}' failed on result ${JSON.stringify(result)}${baseline ? ` and baseline ${JSON.stringify(baseline)}` : ''}: ${cleanMessage(v.message)}`);
      if (typeof v !== 'boolean') throw new ConditionError(`condition '${text}' gave ${describe(v)}, not a boolean`);
      return v;
    },
  };
}

function cleanMessage(m: string): string {
  return m.replace(/^<input>:/, 'at ').replace(/\s+/g, ' ').trim();
}

function describe(v: unknown): string {
  if (typeof v === 'bigint' || typeof v === 'number') return `the number ${String(v)}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return 'a value';
}
