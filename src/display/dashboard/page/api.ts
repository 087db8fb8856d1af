// Talking to the dashboard: JSON over fetch (same origin, so the session cookie goes along), and a
// WebSocket that reconnects by itself with backoff. Callers choose the address at each connection,
// so a run's socket resumes with `after=` the last position seen (docs/dashboard.md, "The feed").

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export type Params = Record<string, string | number | undefined>;

export function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function getJson<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiUrl(path, params), { credentials: 'same-origin', cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      // The API says what was wrong in `error`; other refusals in a line of text.
      const body = (await response.text()).trim();
      let said = body;
      try {
        const parsed = JSON.parse(body) as { error?: unknown };
        if (typeof parsed.error === 'string') said = parsed.error;
      } catch {
        // Plain text.
      }
      if (said) message += `: ${said.slice(0, 300)}`;
    } catch {
      // The status says enough.
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

export type SocketState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface SocketOptions<M> {
  /** The path and query for this connection (`/ws?run=…&after=…`). */
  path: () => string;
  onMessage: (message: M) => void;
  onState: (state: SocketState) => void;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

export class LiveSocket<M> {
  #ws: WebSocket | undefined;
  #timer: number | undefined;
  #delay = FIRST_DELAY_MS;
  #stopped = false;
  #state: SocketState = 'connecting';

  constructor(private readonly options: SocketOptions<M>) {
    this.#connect();
  }

  get state(): SocketState {
    return this.#state;
  }

  /** The feed ended: close, and do not come back. */
  finish(): void {
    this.#stop('ended');
  }

  /** The view went away. */
  close(): void {
    this.#stop(undefined);
  }

  #stop(state: SocketState | undefined): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
      ws.close();
    }
    if (state) this.#set(state);
  }

  #set(state: SocketState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.options.onState(state);
  }

  #connect(): void {
    if (this.#stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${scheme}://${location.host}${this.options.path()}`);
    } catch {
      this.#retry();
      return;
    }
    this.#ws = ws;
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: M;
      try {
        message = JSON.parse(event.data) as M;
      } catch {
        return; // Not ours to show; the next message will do.
      }
      // A message proves the connection works: the next loss starts from a short wait again.
      this.#delay = FIRST_DELAY_MS;
      this.#set('live');
      this.options.onMessage(message);
    };
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#retry();
    };
    ws.onerror = () => {
      // onclose follows and retries.
    };
  }

  #retry(): void {
    if (this.#stopped) return;
    this.#set('reconnecting');
    const delay = this.#delay;
    this.#delay = Math.min(MAX_DELAY_MS, this.#delay * 2);
    this.#timer = window.setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, delay);
  }
}
