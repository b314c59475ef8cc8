const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

// Durations are written as "<integer><unit>" (s, m, h, d) or as plain seconds.
export function parseDurationSeconds(value: string): number | null {
  const match = /^\s*(\d{1,9})\s*([smhd]?)\s*$/.exec(value);
  if (!match) return null;
  return Number(match[1]) * UNITS[match[2] || 's'];
}
