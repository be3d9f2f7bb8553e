/**
 * Splits a `--cpu-prof` profile by who spends the time: nest-sessions' files and functions,
 * the packages it calls (cookie, cookie-signature), Node's HTTP internals and the garbage
 * collector. Self time, as a share of the samples in which the app was not idle: it names the
 * JavaScript that callgrind only sees as addresses.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Where a sampled function lives, coarse enough to add up. */
export function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const libMatch = /\/bench\/\.tmp\/lib\/(.+)\.js$/.exec(url) ?? /\/lib\/((?:core|stores|nest)\/.+)\.js$/.exec(url);
  if (libMatch) return `nest-sessions lib/${libMatch[1]}.ts`;
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (packageMatch) return packageMatch[1]!;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\/.*\/bench\/\.tmp\//, '');
}

export function summarizeSessionCode(profileJson: string, top = 30): string[] {
  const profile = JSON.parse(profileJson) as CpuProfile;
  const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busySamples = 0;
  for (const sampleId of profile.samples) {
    const node = nodeById.get(sampleId)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busySamples++;
    const owner = ownerOf(url, functionName);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
    const name = `${functionName || '(anonymous)'} (${owner}:${lineNumber + 1})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
  }
  const share = (samples: number) => `${((samples / busySamples) * 100).toFixed(1)}%`;
  const lines = [`${busySamples} busy samples. Self time by file or package:`, '', '| Owner | share |', '| --- | ---: |'];
  for (const [owner, samples] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`| ${owner} | ${share(samples)} |`);
  lines.push('', 'Self time by function (nest-sessions, cookie, cookie-signature, and the top of the rest):', '', '| Function | share |', '| --- | ---: |');
  const ranked = [...byFunction].sort((a, b) => b[1] - a[1]);
  const isSessionCode = (name: string) => /nest-sessions|\(cookie:|cookie-signature|express-session/.test(name);
  for (const [name, samples] of ranked.filter(([name]) => isSessionCode(name))) lines.push(`| ${name} | ${share(samples)} |`);
  lines.push('', '| Other function | share |', '| --- | ---: |');
  for (const [name, samples] of ranked.filter(([name]) => !isSessionCode(name)).slice(0, top)) lines.push(`| ${name} | ${share(samples)} |`);
  return lines;
}
