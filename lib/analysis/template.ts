import Mustache from 'mustache';
import { closest } from '../spec/ajv-problems';

/**
 * Query templates: `{{name}}` placeholders (mustache syntax, as Argo Rollouts' `{{args.x}}` and
 * Flagger's `{{ namespace }}`), only plain variables: no sections, partials or HTML escaping. Unknown
 * variables are found when the spec is loaded, not when a query runs. Parsing is mustache's own.
 */

/** Every variable a template may use, with what it stands for (README and error hints list them). */
export const TEMPLATE_VARIABLES: Readonly<Record<string, string>> = {
  'release': 'the release (or release group) name',
  'namespace': 'namespace of the track under analysis: the canary, or the stable track for the compare baseline',
  'service': 'Service of the track under analysis',
  'workload': 'Deployment (or DeploymentConfig) of the track under analysis',
  'version': 'version of the track under analysis',
  'track': "'canary', or 'stable' for the compare baseline",
  'stable.namespace': 'production namespace',
  'stable.service': 'stable Service',
  'stable.workload': 'stable workload',
  'stable.version': 'stable version',
  'canary.namespace': 'canary namespace',
  'canary.service': 'canary Service',
  'canary.workload': 'canary workload',
  'canary.version': 'canary version',
  'canary.weight': 'current canary weight in percent, e.g. 25 or 0.5',
  'weight': 'same as canary.weight',
  'window': 'the window as a PromQL duration in whole seconds, e.g. 900s: from the commit that set the weight (plus startDelay) to the measurement',
  'since': 'start of the window, RFC 3339 (UTC)',
  'until': 'time of the measurement, RFC 3339 (UTC)',
  'sinceUnix': 'start of the window, seconds since the epoch',
  'untilUnix': 'time of the measurement, seconds since the epoch',
  'interval': "the metric's interval as a PromQL duration, e.g. 60s",
  'step': 'the range query step of compare test: mannWhitney as a PromQL duration, e.g. 60s (60s for other metrics)',
};

/**
 * Variables of a release with `fleet:` only (README "Fleet"): which clusters a measurement is about.
 * Cluster names are DNS labels, so each value is also an RE2 pattern matching exactly those names:
 * use them with PromQL's `=~` (`cluster=~"{{clusters}}"`), which anchors the pattern.
 */
export const FLEET_TEMPLATE_VARIABLES: Readonly<Record<string, string>> = {
  'cluster': "the cluster this measurement is for: a metric that uses {{cluster}} is measured once per cluster of the wave, and every cluster must pass (for a compare baseline between waves, the next wave's clusters as a pattern, e.g. prod-eu-2|prod-us-1)",
  'clusters': "the clusters of the track under analysis as a pattern for =~, e.g. prod-eu-2|prod-us-1: the current wave's (the stable baseline between waves: the next wave's)",
  'wave': 'name of the wave under analysis',
};

/** Variables only the web provider's url and body know: the metric's rendered query. */
export const WEB_ONLY_VARIABLES: readonly string[] = ['query'];

/** A template problem, with the 0-based offset in the template text. */
export interface TemplateProblem {
  readonly message: string;
  readonly offset: number;
  readonly hint: string;
}

/** A parsed template: text and variable names, in order. */
export interface Template {
  readonly text: string;
  readonly variables: readonly string[];
}

/**
 * Parses a template and checks that it uses only `{{name}}` placeholders naming known variables.
 * Returns the template or its problems.
 */
export function parseTemplate(text: string, known: readonly string[]): Template | { problems: TemplateProblem[] } {
  let tokens: unknown[][];
  try {
    tokens = Mustache.parse(text) as unknown as unknown[][];
  } catch (e) {
    const m = /at (\d+)/.exec((e as Error).message);
    return { problems: [{ message: `template cannot be parsed (${(e as Error).message})`, offset: m ? Number(m[1]) : 0, hint: 'close every {{ with }}' }] };
  }
  const problems: TemplateProblem[] = [];
  const variables: string[] = [];
  for (const t of tokens) {
    const [type, value, start] = t as [string, string, number];
    if (type === 'text') continue;
    if (type !== 'name') {
      problems.push({ message: `only plain {{variable}} placeholders are allowed, not '${type === '#' || type === '^' ? `{{${type}${value}}}` : type}'`, offset: start, hint: 'write {{variable}}' });
      continue;
    }
    if (!known.includes(value)) {
      const guess = closest(value, known);
      problems.push({ message: `unknown template variable '${value}'`, offset: start, hint: guess ? `did you mean '{{${guess}}}'? (known: ${known.join(', ')})` : `use one of ${known.join(', ')}` });
      continue;
    }
    variables.push(value);
  }
  return problems.length ? { problems } : { text, variables };
}

/** Values of the template variables (nested by dots: `canary.namespace` is `canary: {namespace}`). */
export type TemplateValues = Readonly<Record<string, string | Readonly<Record<string, string>>>>;

/**
 * Renders a parsed template. `escape` quotes each value for where it goes (URL-encoding in a URL);
 * @default - values are inserted as they are
 */
export function renderTemplate(t: Template, values: TemplateValues, escape: (v: string) => string = (v) => v): string {
  return Mustache.render(t.text, values, {}, { escape: (v: unknown) => escape(String(v)) });
}
