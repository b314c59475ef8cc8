'use strict';

const { readFileSync } = require('node:fs');

// Clock ticks per second of /proc/<pid>/stat (USER_HZ); 100 on Linux unless the kernel says otherwise.
const TICKS_PER_SECOND = Number(process.env.BENCH_CLK_TCK || 100);

/**
 * CPU seconds (user + system) in the text of /proc/<pid>/stat. The command name is parenthesised and may
 * itself contain spaces and parentheses, so fields are counted after its last ')'; utime and stime are
 * fields 14 and 15.
 */
function parseCpuSeconds(stat, ticksPerSecond = TICKS_PER_SECOND) {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * CPU seconds (user + system, all threads, thread pool included) a process has used so far, or null where
 * /proc is not available. Divided by the responses of a run it gives CPU per request, which stays
 * meaningful on a machine whose cores are shared with the load generator and the database.
 */
function processCpuSeconds(pid) {
  if (!pid) return null;
  try {
    return parseCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

module.exports = { parseCpuSeconds, processCpuSeconds };
