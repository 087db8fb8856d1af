// Who listens on a TCP port, for the "port 8080 is in use" message: the socket's inode from
// /proc/net/tcp{,6}, then the process with that socket among its descriptors. Best effort (Linux,
// and only processes this user may look into): undefined when it cannot be told.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** "pid 1234 (python3 -m http.server 8080)", or undefined. */
export function portHolder(port: number): string | undefined {
  try {
    const inodes = listeningInodes(port);
    if (inodes.size === 0) return undefined;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      if (holds(pid, inodes)) return `pid ${pid} (${commandLine(pid)})`;
    }
    return 'another process';
  } catch {
    return undefined;
  }
}

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
      if (fields.length > 9 && fields[1]!.endsWith(`:${hex}`) && fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  return inodes;
}

function holds(pid: string, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
}

function commandLine(pid: string): string {
  try {
    const words = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((w) => w !== '');
    const text = words.join(' ');
    // Shown in prog's own message: no control characters, and not a screenful.
    return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 80) || '?';
  } catch {
    return '?';
  }
}
