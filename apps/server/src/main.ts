#!/usr/bin/env node
import { untilStopSignal } from './stop-signal.js';

// `npm start`: the server with the environment's configuration. SIGTERM/SIGINT stop it gracefully,
// also while it is still starting (it stops as soon as it has started): the signal handlers are
// installed before anything else loads.
const stopSignal = untilStopSignal();
const { startFromEnvironment } = await import('./start-from-environment.js');
await startFromEnvironment(stopSignal);
