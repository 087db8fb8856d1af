// The dashboard's page: one HTML file, views chosen by the address after `#`
// (docs/dashboard.md, Pages). Each view builds its DOM under #app and returns what stops it.
import { compareView } from './compare-view.js';
import { connectionPill } from './connection.js';
import { el } from './dom.js';
import { historyListView, workflowView } from './history-view.js';
import { runView } from './run-view.js';
import { runsView } from './runs-view.js';
import { timelineView } from './timeline-view.js';

type Stop = () => void;

function route(hash: string, root: HTMLElement): Stop {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map(decode);
  const [head, a, b, extra] = parts;
  if (parts.length === 0) return runsView(root);
  if (head === 'run' && a !== undefined && b === undefined) return runView(root, a);
  if (head === 'run' && a !== undefined && b === 'timeline' && extra === undefined) return timelineView(root, a);
  if (head === 'history' && a === undefined) return historyListView(root);
  if (head === 'history' && a !== undefined && b === undefined) return workflowView(root, a);
  if (head === 'compare' && a !== undefined && b !== undefined && extra === undefined) return compareView(root, a, b);
  root.append(el('p', { class: 'message', text: 'No such page. ' }, [el('a', { text: 'All runs', attrs: { href: '#/' } })]));
  return () => {};
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function start(): void {
  const app = document.getElementById('app')!;
  const nav = el('header', { class: 'topbar' }, [
    el('a', { class: 'brand', text: 'prog', attrs: { href: '#/' } }),
    el('nav', {}, [el('a', { text: 'Runs', attrs: { href: '#/' }, class: 'nav-runs' }), el('a', { text: 'History', attrs: { href: '#/history' }, class: 'nav-history' })]),
    el('span', { class: 'spacer' }),
    connectionPill,
  ]);
  const main = el('main', { class: 'view' });
  app.replaceChildren(nav, main);
  let stop: Stop = () => {};
  const show = () => {
    stop();
    main.replaceChildren();
    const hash = location.hash;
    document.body.dataset.view = /^#\/?history|^#\/?compare/.test(hash) ? 'history' : 'runs';
    window.scrollTo(0, 0);
    stop = route(hash, main);
  };
  window.addEventListener('hashchange', show);
  show();
}

start();
