'use strict';

const { readFileSync } = require('node:fs');

// Clock ticks per second of /proc/<pid>/stat (USER_HZ); 100 on Linux unless the kernel says otherwise.
const TICKS_PER_SECOND = Number(process.env.BENCH_CLK_TCK || 100);

/**
 * CPU seconds (user + system, all threads, thread pool included) a process has used so far, or null where
 * /proc is not available. Divided by the responses of a run it gives CPU per request, which stays
 * meaningful on a machine whose cores are shared with the load generator and the database.
 */
function processCpuSeconds(pid) {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

module.exports = { processCpuSeconds };
