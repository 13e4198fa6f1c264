/**
 * The dashboard's DOM helpers, shared by the page and its panels. Everything is put in the page
 * as text: a string child becomes a text node, never parsed as HTML, because segment names,
 * campaign names, lead names and comments come from people and UTM values anyone can send.
 */

export type Child = Node | string;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  // strings become text nodes: never parsed as HTML
  node.append(...children);
  return node;
}

export function table(head: readonly string[], rows: readonly (readonly Child[])[], rowAttributes: (index: number) => Record<string, string> = () => ({})): HTMLElement {
  return el(
    'div',
    { class: 'table' },
    el('table', {}, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows.map((cells, i) => el('tr', rowAttributes(i), ...cells.map((c) => el('td', {}, c)))))),
  );
}

export const tile = (label: string, value: string, name: string): HTMLElement =>
  el('div', { class: 'tile', 'data-tile': name }, el('span', { class: 'value' }, value), el('span', { class: 'label' }, label));
