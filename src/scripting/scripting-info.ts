// INFO memory's scripting lines (Redis 7.0's names) from this worker's script cache and function
// libraries: every worker holds the same ones, so the client's worker answers for the server.
import { scriptCache } from './script-cache.ts';
import { functionLibraries } from './function-libraries.ts';

function human(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)}K`;
  return `${(n / 1024 / 1024).toFixed(2)}M`;
}

export function scriptingMemoryFields(): string[] {
  const evalVm = scriptCache.engineCreated ? scriptCache.engine.usedMemory() : 32768;
  const functionsVm = functionLibraries.engineCreated ? functionLibraries.engine.usedMemory() : 32768;
  const scriptsEval = scriptCache.bodyBytes + scriptCache.scripts.size * 56;
  let functionsBytes = 184;
  for (const library of functionLibraries.libraries.values()) functionsBytes += library.code.length + 64 * (1 + library.functions.size);
  return [
    `used_memory_lua:${evalVm}`, `used_memory_vm_eval:${evalVm}`, `used_memory_lua_human:${human(evalVm)}`,
    `used_memory_scripts_eval:${scriptsEval}`, `number_of_cached_scripts:${scriptCache.scripts.size}`,
    `number_of_functions:${functionLibraries.functions.size}`, `number_of_libraries:${functionLibraries.libraries.size}`,
    `used_memory_vm_functions:${functionsVm}`, `used_memory_vm_total:${evalVm + functionsVm}`,
    `used_memory_vm_total_human:${human(evalVm + functionsVm)}`, `used_memory_functions:${functionsBytes}`,
    `used_memory_scripts:${scriptsEval + functionsBytes}`, `used_memory_scripts_human:${human(scriptsEval + functionsBytes)}`,
  ];
}
