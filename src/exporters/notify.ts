// Notifications when a run ends (being built).
import type { Exporter, ExportOptions } from './exporter.js';

export function notifyExporter(_options: ExportOptions, _env: NodeJS.ProcessEnv): Exporter {
  return { name: 'notify', finish: async () => undefined };
}
