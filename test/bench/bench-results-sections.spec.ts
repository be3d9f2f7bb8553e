import { markedSectionsOf, withSection } from '../../bench/results-section.js';

// The main run writes RESULTS.md anew: the sections other benches wrote must survive it.
describe('RESULTS.md sections written by the other benches', () => {
  const results = [
    '# Benchmark results',
    '## Throughput and latency',
    '<!-- csrf:start -->\n## CSRF\n| a | b |\n<!-- csrf:end -->',
    'hand-written text between sections',
    '<!-- at-rest:start -->\n## At rest\n<!-- csrf:end --> is not its end\n<!-- at-rest:end -->',
  ].join('\n\n');

  it('are found whole, markers included, in their order, and nothing else', () => {
    expect(markedSectionsOf(results)).toEqual([
      '<!-- csrf:start -->\n## CSRF\n| a | b |\n<!-- csrf:end -->',
      '<!-- at-rest:start -->\n## At rest\n<!-- csrf:end --> is not its end\n<!-- at-rest:end -->',
    ]);
  });

  it('are none in a file without markers, or with a start and no end', () => {
    expect(markedSectionsOf('# Benchmark results\n\n## Memory')).toEqual([]);
    expect(markedSectionsOf('<!-- scaling:start -->\n## Scaling')).toEqual([]);
  });

  it('can be found again once replaced by their bench', () => {
    const replaced = withSection(results, '<!-- csrf:start -->', '<!-- csrf:end -->', '<!-- csrf:start -->\nnew\n<!-- csrf:end -->');
    expect(markedSectionsOf(replaced)[0]).toBe('<!-- csrf:start -->\nnew\n<!-- csrf:end -->');
  });
});
