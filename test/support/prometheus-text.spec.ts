import { PrometheusScrape, parsePrometheusText } from './prometheus-text';

describe('The Prometheus text parser of the tests', () => {
  it('reads names, labels with escaped quotes, backslashes and newlines, and special values, skipping comments', () => {
    const text = [
      '# HELP baton_x_total Something',
      '# TYPE baton_x_total counter',
      'baton_x_total{saga="a",type="say \\"hi\\", \\\\ or \\n"} 3',
      'baton_up 1 1700000000000',
      'baton_gauge NaN',
      'baton_h_bucket{le="+Inf"} +Inf',
      '',
    ].join('\n');

    expect(parsePrometheusText(text)).toEqual([
      { name: 'baton_x_total', labels: { saga: 'a', type: 'say "hi", \\ or \n' }, value: 3 },
      { name: 'baton_up', labels: {}, value: 1 },
      { name: 'baton_gauge', labels: {}, value: Number.NaN },
      { name: 'baton_h_bucket', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
    ]);
  });

  it('sums the samples that carry the given labels, and finds one exactly', () => {
    const scrape = new PrometheusScrape('m{saga="a",version="1"} 2\nm{saga="a",version="2"} 3\nm{saga="b",version="1"} 5\n');

    expect(scrape.sum('m', { saga: 'a' })).toBe(5);
    expect(scrape.sum('m')).toBe(10);
    expect(scrape.sum('missing')).toBe(0);
    expect(scrape.value('m', { saga: 'b' })).toBe(5);
    expect(() => scrape.value('m', { saga: 'a' })).toThrow(/2 samples/);
  });
});
