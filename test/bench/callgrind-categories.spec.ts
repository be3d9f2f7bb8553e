import { categorize, parseAnnotate, steadyInstructions } from '../../bench/callgrind-categories.js';

// The steady count decides benchmark targets (bench --csrf, --profile): leaving out the wrong
// functions would hide a cost, keeping the compilers would make two runs of one build disagree.

describe('callgrind categories', () => {
  const annotated = [
    '--------------------------------------------------------------------------------',
    'Ir                   file:function',
    '--------------------------------------------------------------------------------',
    '1,000,000  ???:0x000000000d116300 [???]',
    '  300,000  ???:v8::internal::compiler::GraphReducer::ReduceTop() [/usr/bin/node]',
    '  200,000  ???:v8::internal::MarkCompactCollector::CollectGarbage() [/usr/bin/node]',
    '   50,000  ???:v8::internal::Scavenger::ScavengePage(v8::internal::MemoryChunk*) [/usr/bin/node]',
    '   25,000  ???:Builtins_JsonParse [/usr/bin/node]',
  ].join('\n');

  it('reads the function lines of callgrind_annotate', () => {
    expect(parseAnnotate(annotated).map((entry) => entry.instructions)).toEqual([1_000_000, 300_000, 200_000, 50_000, 25_000]);
    expect(categorize('???:v8::internal::compiler::GraphReducer::ReduceTop() [/usr/bin/node]')).toBe('JIT compilers (TurboFan, Maglev, Sparkplug)');
  });

  it('counts as steady everything but the JIT compilers and the major GC (scavenges stay: they follow each request)', () => {
    expect(steadyInstructions(parseAnnotate(annotated))).toBe(1_000_000 + 50_000 + 25_000);
  });
});
