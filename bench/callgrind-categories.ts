/**
 * Groups callgrind's functions (self cost) into what a request spends its instructions on.
 * Self costs add up to the total, so the categories do too. JavaScript that V8 compiled has
 * no symbol (callgrind shows an address): it lands in "JIT-compiled JavaScript", split further
 * by the CPU profile (cpu-profile-attribution.ts).
 */

/** One function of `callgrind_annotate` output: its self instructions and its name. */
export interface AnnotatedFunction {
  name: string;
  instructions: number;
}

/** The categories, first match wins (so the specific ones come before the general ones). */
export const CATEGORIES = [
  { name: 'JSON.parse / JSON.stringify', pattern: /Json|JSON/ },
  { name: 'HMAC-SHA256 and other crypto (OpenSSL, node::crypto)', pattern: /sha256|SHA256|sha512|HMAC|hmac|EVP_|ossl_|OPENSSL|CRYPTO_|node::crypto|BIO_|EncodeBase64|base64/i },
  // Scavenges follow the allocation of each request and repeat from run to run; the major GC
  // (marking, sweeping, compaction on helper threads) follows the clock and the heap's history,
  // and moves by 10-20 % of the total between runs of the same build.
  { name: 'GC: young generation (scavenges)', pattern: /v8::internal::(Scaveng|MinorMark|SemiSpace|NewSpace|IterateAndScavenge|EvacuateInPlace)|IterateAndScavengePromotedObjectsVisitor|Builtins_RecordWrite|Builtins_.*WriteBarrier/ },
  { name: 'GC: major (marking, sweeping, compaction)', pattern: /v8::internal::(Heap|MarkCompact|Sweeper|MarkingBarrier|ConcurrentMarking|IncrementalMarking|Evacuat|MemoryAllocator|LargeObjectSpace|PagedSpace|GCTracer|MemoryChunk|LocalHeap|ArrayBufferSweeper|WeakObjects|RememberedSet|SlotSet|TypedSlot|.*Visitor|.*Marking)|heap::base|cppgc/ },
  { name: 'promises, async functions, microtasks', pattern: /Builtins_(Promise|RunMicrotasks|Await|ResolvePromise|FulfillPromise|RejectPromise|NewPromiseCapability|AsyncFunction|PerformPromiseThen|EnqueueMicrotask|CallAsyncModule)|v8::internal::MicrotaskQueue|Microtask/ },
  { name: 'JIT compilers (TurboFan, Maglev, Sparkplug)', pattern: /v8::internal::(compiler|maglev|baseline|Compiler|OptimizingCompile|Zone|SharedFunctionInfo::|Deoptimizer|interpreter::BytecodeGenerator|Parser|Scanner|AstValueFactory)|v8::internal::wasm/ },
  { name: 'JIT-compiled JavaScript', pattern: /^(0x[0-9a-f]+|\?\?\?:0x[0-9a-f]+|0x[0-9A-F]+)\b|(^|:)js:/ },
  { name: 'V8 interpreter and builtins (property access, strings, calls...)', pattern: /Builtins_/ },
  { name: 'V8 runtime (C++)', pattern: /v8::/ },
  { name: 'HTTP parser (llhttp)', pattern: /llhttp/ },
  { name: 'Node C++ and libuv (streams, TCP, timers)', pattern: /node::|uv_|uv__/ },
  { name: 'libc and kernel interface (memcpy, malloc, syscalls)', pattern: /libc|ld-linux|memcpy|memmove|memset|memcmp|malloc|free|strlen|epoll|writev|__/ },
  { name: 'other', pattern: /./ },
] as const;

export type CategoryName = (typeof CATEGORIES)[number]['name'];

/**
 * The categories left out of a "steady" count: the JIT compilers and the major GC run in bursts
 * on helper threads and follow the clock, moving the total by 2-15 % from one run to the next,
 * the rest by under 1 %.
 */
export const UNSTEADY_CATEGORIES: readonly CategoryName[] = ['GC: major (marking, sweeping, compaction)', 'JIT compilers (TurboFan, Maglev, Sparkplug)'];

/** The instructions of the functions outside `UNSTEADY_CATEGORIES`. */
export function steadyInstructions(functions: readonly AnnotatedFunction[]): number {
  return functions.reduce((sum, entry) => (UNSTEADY_CATEGORIES.includes(categorize(entry.name)) ? sum : sum + entry.instructions), 0);
}

export function categorize(functionName: string): CategoryName {
  return CATEGORIES.find((category) => category.pattern.test(functionName))!.name;
}

/**
 * The function lines of `callgrind_annotate --threshold=100 --show-percs=no --auto=no`:
 * `  1,234,567  file:function [object]`.
 */
export function parseAnnotate(output: string): AnnotatedFunction[] {
  const functions: AnnotatedFunction[] = [];
  let isInFunctionList = false;
  for (const line of output.split('\n')) {
    if (/^\s*Ir\s+file:function/.test(line)) {
      isInFunctionList = true;
      continue;
    }
    if (!isInFunctionList) continue;
    const match = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.+)$/.exec(line);
    if (!match) continue;
    functions.push({ instructions: Number(match[1]!.replaceAll(',', '')), name: match[2]!.trim() });
  }
  return functions;
}
