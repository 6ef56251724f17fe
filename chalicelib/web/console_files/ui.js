// Small helpers shared by the screens: building elements (text is always set
// as text, never as HTML), messages, the confirmation dialog, formats.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

// A labelled control: <label for> + control (+ hint), keyboard and screen-reader friendly.
export function field(label, control, hint) {
  if (!control.id) control.id = uid('campo');
  const parts = [h('label', { for: control.id }, label), control];
  if (hint) {
    const hintId = uid('dica');
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('small', { id: hintId, class: 'dica' }, hint));
  }
  return h('div', { class: 'campo' }, parts);
}

// An on/off switch (a checkbox with the switch role) with its label and an optional hint: { el, input }.
export function switchControl(label, checked, hint) {
  const input = h('input', { type: 'checkbox', role: 'switch', checked: Boolean(checked) });
  const parts = [h('label', { class: 'chave' }, input, h('span', { class: 'trilho', 'aria-hidden': 'true' }), ` ${label}`)];
  if (hint) {
    const hintId = uid('dica');
    input.setAttribute('aria-describedby', hintId);
    parts.push(h('small', { id: hintId, class: 'dica' }, hint));
  }
  return { el: h('div', { class: 'campo' }, parts), input };
}

// A message box: errors are alerts (read out at once), the rest status messages.
// A floating box (over the calendar, so the grid does not move under the pointer) can be closed.
export function showMessage(box, kind, msg, errors = []) {
  const reasons = errors.filter((e) => !msg.endsWith(e)); // the API often repeats its message as the only error
  const list = reasons.length ? h('ul', {}, reasons.map((e) => h('li', {}, e))) : null;
  const close = box.classList.contains('flutuante')
    ? h('button', { type: 'button', class: 'fechar', 'aria-label': 'Fechar mensagem', onclick: () => box.replaceChildren() }, '×')
    : null;
  replace(box, h('div', { class: `mensagem ${kind}`, role: kind === 'erro' ? 'alert' : 'status' },
    close, h('p', {}, msg), list));
}

export function showError(box, error) {
  if (error && error.name === 'ApiError') showMessage(box, 'erro', error.message, error.errors);
  else {
    showMessage(box, 'erro', 'Erro inesperado no console.');
    throw error;
  }
}

export function clearMessage(box) {
  box.replaceChildren();
}

export function messageBox(floating = false) {
  return h('div', { class: floating ? 'mensagens flutuante' : 'mensagens', 'aria-live': 'polite' });
}

// A table's rows, or one row across its `columns` saying there are none (`empty`).
export function fillRows(body, items, row, columns, empty) {
  replace(body, items.length ? items.map(row) : h('tr', {}, h('td', { colspan: columns }, empty)));
}

// The previous / next buttons of a paged list (the API's `paginacao` block); `go(page)` loads another page.
export function pager(nav, info, page, noun, go) {
  const lastPage = Math.max(0, info.ultima_pagina);
  replace(nav,
    h('button', { type: 'button', class: 'secundario', disabled: page <= 0, onclick: () => go(page - 1) },
      '‹ Anterior'),
    h('span', {}, `Página ${page + 1} de ${lastPage + 1} · ${info.total_registros} ${noun}`),
    h('button', { type: 'button', class: 'secundario', disabled: page >= lastPage, onclick: () => go(page + 1) },
      'Próxima ›'));
}

// What a customer can be searched by (GET cliente's `busca`), in the order a screen offers them.
const CUSTOMER_SEARCH = {
  nome_razaosocial: 'Nome',
  cpf_cnpj: 'CPF/CNPJ',
  codigo_cliente: 'Código do cliente',
  id_cliente_servico: 'Código do serviço',
  telefone: 'Telefone',
};

export function customerSearchBy(keys) {
  return h('select', {}, keys.map((key) => h('option', { value: key }, CUSTOMER_SEARCH[key])));
}

// The page's one confirmation dialog (a native <dialog>: focus trapped, Esc cancels).
export function confirmDialog(title, text, confirmLabel) {
  const dialog = document.querySelector('dialog.confirmacao');
  dialog.querySelector('h2').textContent = title;
  dialog.querySelector('.confirmacao-texto').textContent = text;
  dialog.querySelector('button[value="confirmar"]').textContent = confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirmar'), { once: true });
    dialog.showModal();
    dialog.querySelector('button[value="cancelar"]').focus();
  });
}

// Runs an action from a button: disabled (and marked busy) until it settles.
export async function busy(button, action) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

const MONEY = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' });

export function money(value) {
  return MONEY.format(Number(value || 0));
}

export function pad(n) {
  return String(n).padStart(2, '0');
}

// Local (wall-clock) date of a Date as YYYY-MM-DD.
export function isoDate(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function isoTime(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function addDays(day, count) {
  const [y, m, d] = day.split('-').map(Number);
  return isoDate(new Date(y, m - 1, d + count));
}

export function today() {
  return isoDate(new Date());
}

// "2026-12-14" or "2026-12-14 10:00:00" / "2026-12-14T10:00:00" → "14/12/2026" / "14/12/2026 10:00".
export function dateBR(text) {
  if (!text) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(text);
  if (!match) return text;
  const [, y, m, d, hh, mm] = match;
  return hh ? `${d}/${m}/${y} ${hh}:${mm}` : `${d}/${m}/${y}`;
}

export function hhmm(text) {
  return text ? text.slice(0, 5) : '';
}

export const ORDER_STATUS = {
  aguardando_agendamento: 'Aguardando agendamento',
  pendente: 'Pendente',
  finalizado: 'Finalizado',
  cancelado: 'Cancelado',
};
