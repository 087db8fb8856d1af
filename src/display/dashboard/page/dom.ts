// Every element the page makes comes from here: created with the DOM, text set as text. No HTML
// string is ever parsed, so nothing the command printed can become markup.

type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  /** data-testid */
  testid?: string;
  title?: string;
  /** Other attributes (data-*, href built by the page, type, value…). */
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.testid) node.dataset.testid = props.testid;
  if (props.title !== undefined) node.title = props.title;
  if (props.attrs) for (const [name, value] of Object.entries(props.attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** A link to one of the page's own views (`#/…`); parts are encoded so an id cannot change the route. */
export function viewLink(parts: string[], text: string, props: Props = {}): HTMLAnchorElement {
  const a = el('a', { ...props, text });
  a.href = viewHref(parts);
  return a;
}

export function viewHref(parts: string[]): string {
  return '#/' + parts.map(encodeURIComponent).join('/');
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Sets text only when it changed: live views refresh several times a second. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** A <select> with these options; the first is selected. */
export function select(options: [value: string, label: string][], props: Props = {}): HTMLSelectElement {
  const s = el('select', props);
  for (const [value, label] of options) s.append(option(value, label));
  return s;
}

export function option(value: string, label: string): HTMLOptionElement {
  const o = el('option', { text: label });
  o.value = value;
  return o;
}

/** A progress bar: the fill's width is set through CSSOM (allowed by the page's CSP). */
export function bar(testid?: string): { root: HTMLElement; set(percent: number | undefined, status?: string): void } {
  const fill = el('div', { class: 'bar-fill' });
  // No slide from 0 when first shown: the transition is for moves, once the bar has a place.
  const root = el('div', { class: 'bar bar-still', ...(testid ? { testid } : {}) }, [fill]);
  let placed = false;
  return {
    root,
    set(percent, status) {
      if (!placed) {
        placed = true;
        requestAnimationFrame(() => requestAnimationFrame(() => root.classList.remove('bar-still')));
      }
      const p = percent === undefined || !Number.isFinite(percent) ? undefined : Math.max(0, Math.min(100, percent));
      fill.style.width = `${p ?? 0}%`;
      root.classList.toggle('bar-unknown', p === undefined);
      root.dataset.percent = p === undefined ? '' : String(Math.round(p * 10) / 10);
      if (status !== undefined) root.dataset.status = status;
    },
  };
}

/** A state badge: its class colours it. */
export function badge(state: string): HTMLElement {
  return el('span', { class: `badge badge-${cssToken(state)}`, text: state });
}

/** Only letters, digits and dashes go into a class name built from data. */
export function cssToken(s: string): string {
  return s.replace(/[^a-z0-9-]/gi, '').slice(0, 32) || 'unknown';
}

/** Puts `nodes` in `parent` in this order, moving only those out of place (a live table stays calm). */
export function placeInOrder(parent: Element, nodes: Element[]): void {
  let expected: Element | null = parent.firstElementChild;
  for (const node of nodes) {
    if (node !== expected) parent.insertBefore(node, expected);
    expected = node.nextElementSibling;
  }
}

/** Removes the rows whose key is no longer shown. */
export function dropGone<R extends { tr: Element }>(rows: Map<string, R>, live: Set<string>): void {
  for (const [id, row] of rows) {
    if (!live.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
}
