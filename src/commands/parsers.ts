// `prog parsers`: the tool outputs prog understands. As text, one line each; as JSON (NDJSON), one
// object per parser in a shape that stays: {name, description, commands, env}.
import { terminalStdout } from '../display/terminal-output.js';
import { loadParserSpecs } from '../parsers/parser-hub.js';

export interface ParserRow {
  /** What --parser takes. */
  name: string;
  /** The tools and what prog understands of their output. */
  description: string;
  /** Commands recognised by name before any output (their env is set); most parsers have none. */
  commands: string[];
  /** Environment the command gets when the parser applies (ninja's NINJA_STATUS). */
  env: Record<string, string>;
}

export async function parsersCommand(options: { format: 'text' | 'json' }): Promise<void> {
  const specs = await loadParserSpecs();
  const out = terminalStdout();
  if (options.format === 'json') {
    for (const spec of specs) {
      const row: ParserRow = { name: spec.name, description: spec.description, commands: [...(spec.commands ?? [])], env: { ...spec.env } };
      out.write(`${JSON.stringify(row)}\n`);
    }
  } else {
    const width = Math.max(0, ...specs.map((s) => s.name.length));
    for (const spec of specs) out.write(`${spec.name.padEnd(width)}  ${spec.description}\n`);
    out.write(`\nprog recognises these from the output; --parser NAME forces one, --parser none turns them off.\n`);
  }
  await out.drained();
}
