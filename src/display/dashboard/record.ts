// dashboard.json: where a dashboard serves a state dir and with which token (mode 0600). Written by
// `prog dashboard`, read by `prog run --dashboard` to reuse it.
import type { ProcessIdentity } from '../../store/liveness.js';

export const DEFAULT_PORT = 8080;

export interface DashboardRecord {
  version: 1;
  url: string;
  port: number;
  host: string;
  token: string;
  supervisor: ProcessIdentity;
}
