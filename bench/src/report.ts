import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';
import { percentile } from './stats.js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
  /** The goal for `value` (or for `ratio`, when the figure has a baseline). */
  target?: number;
  /** What `target` applies to; default `ratio` when there is a baseline, else `value`. */
  targetOn?: 'value' | 'ratio';
  /** The same work done the plain way, measured in the same run. */
  baseline?: number;
  /** `value / baseline` for `better: 'higher'`, `baseline / value` for `lower`. */
  ratio?: number;
}

export interface Report {
  machine: Record<string, string | number>;
  quick: boolean;
  startedAt: string;
  figures: Figure[];
}

export function machineInfo(
  extra: Record<string, string | number>,
): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    ...extra,
  };
}

/** Adds the ratio to a figure that has a baseline. */
export function withRatio(figure: Figure): Figure {
  if (figure.baseline === undefined || figure.baseline === 0 || figure.value === 0) return figure;
  const ratio =
    figure.better === 'higher' ? figure.value / figure.baseline : figure.baseline / figure.value;
  return { ...figure, ratio: Math.round(ratio * 1000) / 1000 };
}

function meetsTarget(figure: Figure): string {
  if (figure.target === undefined) return '';
  // A ratio is oriented so that higher is better, whichever way the value is.
  const onRatio = figure.targetOn !== 'value' && figure.ratio !== undefined;
  const measured = onRatio ? (figure.ratio ?? 0) : figure.value;
  const ok =
    onRatio || figure.better === 'higher' ? measured >= figure.target : measured <= figure.target;
  return ok ? 'met' : 'MISSED';
}

export function toMarkdown(report: Report): string {
  const lines = [
    '# Benchmark results',
    '',
    `Run ${report.startedAt}${report.quick ? ' (quick mode)' : ''}.`,
    '',
    '| machine | |',
    '| --- | --- |',
    ...Object.entries(report.machine).map(([key, value]) => `| ${key} | ${value} |`),
    '',
    '| figure | value | unit | baseline | ratio | target | |',
    '| --- | ---: | --- | ---: | ---: | ---: | --- |',
    ...report.figures.map((f) => {
      const target =
        f.target === undefined
          ? ''
          : f.ratio !== undefined && f.targetOn !== 'value'
            ? `≥ ${f.target}×`
            : `${f.better === 'higher' ? '≥' : '≤'} ${f.target}`;
      return `| ${f.name} | ${f.value} | ${f.unit} | ${f.baseline ?? ''} | ${f.ratio ?? ''} | ${target} | ${meetsTarget(f)} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

export async function writeReport(report: Report, jsonPath: string, markdownPath: string) {
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdownPath, toMarkdown(report));
}

/**
 * The p50 and p99 figures of latency samples in ms; `name` gets the percentile, e.g.
 * `(q) => \`single-event append ${q}\``.
 */
export function latencyFigures(
  name: (q: 'p50' | 'p99') => string,
  samples: readonly number[],
): Figure[] {
  return (['p50', 'p99'] as const).map((q) => ({
    name: name(q),
    value: Math.round(percentile(samples, q === 'p50' ? 0.5 : 0.99) * 1000) / 1000,
    unit: 'ms',
    better: 'lower',
  }));
}
