/** One sample of a Prometheus text exposition: `name{label="value",...} value`. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES: Record<string, string> = { n: '\n', '\\': '\\', '"': '"' };

/** The samples of a text exposition (format 0.0.4), comments and blank lines skipped. */
export function parsePrometheusText(text: string): PrometheusSample[] {
  return text
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map(parseSample);
}

function parseSample(line: string): PrometheusSample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`Not a sample: ${line}`);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const labelName = LABEL_NAME.exec(line.slice(at))?.[0];
      if (!labelName || line.slice(at + labelName.length, at + labelName.length + 2) !== '="') throw new Error(`Bad label in: ${line}`);
      at += labelName.length + 2;
      let value = '';
      for (; line[at] !== '"'; at++) {
        if (at >= line.length) throw new Error(`Unterminated label value in: ${line}`);
        value += line[at] === '\\' ? (ESCAPES[line[++at]] ?? line[at]) : line[at];
      }
      labels[labelName] = value;
      at++;
      if (line[at] === ',') at++;
    }
    at++;
  }
  const [value] = line.slice(at).trim().split(/\s+/);
  return { name, labels, value: toNumber(value) };
}

function toNumber(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** A scrape, queried by metric name and some of its labels. */
export class PrometheusScrape {
  readonly samples: PrometheusSample[];

  constructor(text: string) {
    this.samples = parsePrometheusText(text);
  }

  /** The samples named `name` whose labels include `labels`. */
  find(name: string, labels: Record<string, string> = {}): PrometheusSample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The sum of those samples (0 when there are none): a counter summed over the labels not given. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels).reduce((total, s) => total + s.value, 0);
  }

  /** The one sample's value; throws unless exactly one matches. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.find(name, labels);
    if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}, expected 1`);
    return found[0].value;
  }
}
