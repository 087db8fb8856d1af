// What makes two runs "the same workflow" for history and ETA: the name given with --name, else the
// name a `workflow` marker gives (commands/run.ts renames the run when it arrives), else the command
// line (quoted as a shell would need it) and the directory it ran in.

export function workflowKey(command: string[], cwd: string, name?: string): string {
  if (name !== undefined && name.trim() !== '') return name.trim();
  return `${command.map(shellWord).join(' ')} @ ${cwd}`;
}

/** The name a run's workflow was given (--name, or a workflow marker's), or undefined when its key is the command line's. */
export function givenWorkflowName(info: { key: string; command: string[]; cwd: string }): string | undefined {
  return info.key === workflowKey(info.command, info.cwd) ? undefined : info.key;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
