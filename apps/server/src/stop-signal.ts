/**
 * Resolves at the first SIGTERM or SIGINT. Installed first thing, so a stop asked for while the
 * process is still starting is not the default "die at once" (exit 143) but a clean stop once
 * started. A second signal while stopping ends the process at once.
 */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      for (const s of SIGNALS) {
        process.off(s, first);
        process.once(s, () => process.exit(128 + (s === 'SIGINT' ? 2 : 15)));
      }
      resolve(signal);
    };
    for (const s of SIGNALS) process.on(s, first);
  });
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
