/** A series for `startPrometheus`: one metric with labels and [unixSeconds, value] points. */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly points: readonly (readonly [number, number])[];
}
export interface PrometheusServer {
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}
export function startPrometheus(series: readonly Series[], opts?: { args?: string[] }): Promise<PrometheusServer>;
export function prometheusAvailable(): { ok: true; prometheus: string; promtool: string } | { ok: false; reason: string };
export function openMetrics(series: readonly Series[]): string;
export function counterPoints(from: number, to: number, step: number, rate: number | ((t: number) => number)): [number, number][];
