// GitHub Actions: step summary, annotations (being built).
import type { Exporter } from './exporter.js';

export function githubExporter(_env: NodeJS.ProcessEnv): Exporter {
  return { name: 'github', finish: async () => undefined };
}
