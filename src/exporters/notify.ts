// Notifications when a run ends: a desktop notification (--notify) and a webhook POST
// (--notify-url), for runs that lasted at least --notify-after (30 s by default), whatever their
// outcome, interrupted ones included. Each kind that fails warns once; the run's exit status never
// changes, and both finish within the exporters' deadline.
import { hostname } from 'node:os';
import { warnOnce } from '../diagnostics.js';
import { progVersion } from '../version.js';
import type { Exporter, ExportOptions, FinishedRun } from './exporter.js';
import { findNotifier, noNotifierHint, showNotification } from './notify-desktop.js';
import { notifyMessage, webhookPayload } from './notify-message.js';
import { postJson } from './notify-webhook.js';
import { safeOrigin } from './url-text.js';

export const DEFAULT_NOTIFY_AFTER_MS = 30_000;

const UNCHANGED = "the run's exit status is unchanged";

export function notifyExporter(options: ExportOptions, env: NodeJS.ProcessEnv): Exporter {
  const afterMs = options.notifyAfterMs ?? DEFAULT_NOTIFY_AFTER_MS;
  return {
    name: 'notify',
    async finish(run: FinishedRun): Promise<void> {
      if (run.summary.durationMs < afterMs) return;
      const sending: Promise<void>[] = [];
      if (options.notify === true) sending.push(desktop(run, env));
      if (options.notifyUrl !== undefined) sending.push(webhook(run, options.notifyUrl));
      await Promise.all(sending);
    },
  };
}

async function desktop(run: FinishedRun, env: NodeJS.ProcessEnv): Promise<void> {
  const notifier = findNotifier(env);
  if (notifier === undefined) {
    warnOnce('notify-desktop', `notify: ${noNotifierHint()}; ${UNCHANGED}`);
    return;
  }
  const message = notifyMessage(run);
  try {
    await showNotification(notifier, message.title, message.body.join('\n'), message.failed, env);
  } catch (error) {
    warnOnce('notify-desktop', `notify: ${(error as Error).message}; ${UNCHANGED}`);
  }
}

async function webhook(run: FinishedRun, url: string): Promise<void> {
  try {
    await postJson(url, webhookPayload(run, hostname()), { userAgent: `prog/${progVersion()}` });
  } catch (error) {
    warnOnce('notify-webhook', `notify: POST to ${safeOrigin(url, 'the webhook')} failed: ${(error as Error).message}; ${UNCHANGED}`);
  }
}
