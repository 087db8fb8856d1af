// Free space on the filesystem that holds the working directory, as seen by an unprivileged user
// (df's "Available"). Asynchronous on purpose: statfs on a hung network mount must not stall prog.
import { statfs } from 'node:fs/promises';

/** Bytes free for unprivileged users, or undefined when the filesystem cannot be asked. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}
