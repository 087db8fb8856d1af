// A pseudo-terminal whose master the test can close (a real hang-up: the kernel sends SIGHUP to the
// session and later writes to the terminal fail with EIO), driven by a small Python helper
// (os.openpty, setsid, TIOCSCTTY: the technique of oven-sh/bun#33485). Unlike util-linux `script`,
// the helper stays the parent of the command after the hang-up and reports how it ended (waitpid),
// so a SIGABRT from Node at exit cannot go unseen. Tests that use it need tools.python3().
//
// Python's stdout carries the terminal's output; its stderr carries control lines:
//   PID <pid>            the command started (it leads its own session on the pty)
//   HUNGUP               the master was closed
//   STATUS exit <n>      the command exited with n
//   STATUS signal <n>    the command was killed by signal n
import { start, type Live, type StartOptions } from './live.js';

const DRIVER = String.raw`
import os, sys, select, fcntl, termios, struct, time
argv = sys.argv[1:]
stderr_path = os.environ.get('PTY_STDERR_FILE')
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 160, 0, 0))
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    os.dup2(slave, 0)
    os.dup2(slave, 1)
    if stderr_path:
        fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    else:
        os.dup2(slave, 2)
    os.close(master)
    if slave > 2:
        os.close(slave)
    os.execvp(argv[0], argv)
os.close(slave)
def control(text):
    sys.stderr.write(text + '\n')
    sys.stderr.flush()
control('PID %d' % pid)
out = sys.stdout.buffer
stdin = sys.stdin.buffer.raw
pending = b''
reading = True
stdin_open = True
status = None
while True:
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            status = st
    if status is not None and not reading:
        break
    fds = []
    if reading:
        fds.append(master)
    if stdin_open:
        fds.append(stdin)
    ready = select.select(fds, [], [], 0.02)[0] if fds else []
    if not fds:
        time.sleep(0.02)
    if reading and master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if data:
            out.write(data)
            out.flush()
        else:
            reading = False
    if stdin_open and stdin in ready:
        data = os.read(stdin.fileno(), 65536)
        if not data:
            stdin_open = False
        pending += data
        while b'\n' in pending:
            line, pending = pending.split(b'\n', 1)
            if line == b'HANGUP':
                if reading:
                    reading = False
                    os.close(master)
                control('HUNGUP')
            elif line.startswith(b'WRITE ') and reading:
                os.write(master, bytes.fromhex(line[6:].decode()))
    if status is not None and reading:
        # The command is gone; read what is left on the terminal, then stop.
        try:
            while select.select([master], [], [], 0.05)[0]:
                data = os.read(master, 65536)
                if not data:
                    break
                out.write(data)
                out.flush()
        except OSError:
            pass
        reading = False
if os.WIFSIGNALED(status):
    control('STATUS signal %d' % os.WTERMSIG(status))
else:
    control('STATUS exit %d' % os.WEXITSTATUS(status))
`;

export interface HangupPty {
  live: Live;
  /** The command's pid (it leads a session whose controlling terminal is the pty). */
  pid: number;
  /** Closes the master: the terminal hangs up. Resolves once the driver has closed it. */
  hangUp(): Promise<void>;
  /** Types bytes on the terminal (before the hang-up). */
  type(text: string): void;
  /** How the command ended, as its parent saw it. */
  status(ms: number): Promise<{ code: number | null; signal: number | null }>;
}

/** Runs `file args` on a fresh pty (160×40, TERM=xterm-256color). `stderrFile` sends its stderr to a file instead. */
export async function startOnHangupPty(file: string, args: string[], options: StartOptions & { stderrFile?: string } = {}): Promise<HangupPty> {
  const { stderrFile, ...rest } = options;
  const live = start('python3', ['-u', '-c', DRIVER, file, ...args], {
    ...rest,
    stdin: 'pipe',
    env: { TERM: 'xterm-256color', PTY_STDERR_FILE: stderrFile, ...rest.env },
  });
  const pid = Number((await live.waitErr(/^PID (\d+)$/m, 10_000, 'the pty driver to start the command'))[1]);
  return {
    live,
    pid,
    async hangUp() {
      live.write('HANGUP\n');
      await live.waitErr(/^HUNGUP$/m, 5000, 'the pty driver to close the master');
    },
    type(text) {
      live.write(`WRITE ${Buffer.from(text).toString('hex')}\n`);
    },
    async status(ms) {
      const m = await live.waitErr(/^STATUS (exit|signal) (\d+)$/m, ms, 'the command on the pty to end');
      return m[1] === 'exit' ? { code: Number(m[2]), signal: null } : { code: null, signal: Number(m[2]) };
    },
  };
}
