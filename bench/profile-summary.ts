/**
 * `node bench/.tmp/bench/profile-summary.js <file.cpuprofile> [top]`: self and total time per
 * function of a `--cpu-prof` profile, to find what the hot path spends its time on.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

const [file, topArgument] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
const top = Number(topArgument ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const nameOf = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\/.*?\/(node_modules|bench\/\.tmp)\//, '$1/');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
};
const selfSamples = new Map<string, number>();
const totalSamples = new Map<string, number>();
for (const sample of profile.samples) {
  const node = byId.get(sample)!;
  selfSamples.set(nameOf(node), (selfSamples.get(nameOf(node)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parentOf.get(id)) {
    const name = nameOf(byId.get(id)!);
    if (seen.has(name)) continue;
    seen.add(name);
    totalSamples.set(name, (totalSamples.get(name) ?? 0) + 1);
  }
}
const count = profile.samples.length;
const print = (title: string, samples: Map<string, number>) => {
  console.log(`\n${title} (of ${count} samples)`);
  for (const [name, value] of [...samples].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((value / count) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
};
print('self', selfSamples);
print('total', totalSamples);
