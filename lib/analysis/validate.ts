import { SourceDocument } from '../spec/document';
import { SpecProblem } from '../spec/errors';
import { AnalysisSpec } from '../spec/generated/release';
import { LoadedGroup, LoadedRelease } from '../spec/loader';
import { AnalysisContext, analysisModelOf } from './model';

/** The problems of a spec's `analysis:` section, positioned in its file. */
export function analysisProblems(source: SourceDocument, analysis: AnalysisSpec | undefined, context: AnalysisContext = {}): SpecProblem[] {
  if (!analysis) return [];
  const m = analysisModelOf(analysis, context);
  if (!('problems' in m)) return [];
  return m.problems.map((p) => source.problem(['analysis', ...p.path], p.message, p.hint, p.value));
}

/** The project check of a release's analysis section (run by every command that loads specs). */
export function analysisCheck(r: LoadedRelease): SpecProblem[] {
  return analysisProblems(r.source, r.model.spec.analysis, { fleet: r.model.spec.fleet !== undefined });
}

/** The same for a release group. */
export function groupAnalysisCheck(g: LoadedGroup): SpecProblem[] {
  return analysisProblems(g.source, g.model.spec.analysis);
}
