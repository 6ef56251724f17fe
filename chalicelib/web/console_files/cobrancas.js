// Cobranças no Cartão: every charge attempt (financeiro/cartao/processamentos),
// failed ones with the gateway's code and message, recurring ones marked.
//   #/cobrancas?recorrente=todos|sim|nao&status=&inicio=&fim=&pagina=
import { api } from './api.js';
import {
  addDays, dataTable, dateBR, dateInput, dateParam, field, fillRows, h, messageBox, money, pager, replace, showError, today,
  validateFields,
} from './ui.js';

const PER_PAGE = 50;
const RECURRING = [['todos', 'Todos'], ['sim', 'Sim'], ['nao', 'Não']];
const STATUSES = [['', 'Todas'], ['aprovado', 'Aprovada'], ['recusado', 'Recusada'], ['erro', 'Erro'],
  ['processando', 'Processando']];
const STATUS_LABEL = Object.fromEntries(STATUSES.filter(([v]) => v));

export function render(main, ctx) {
  const params = ctx.params;
  const box = messageBox();
  const recurring = RECURRING.some(([v]) => v === params.get('recorrente')) ? params.get('recorrente') : 'todos';
  const radios = RECURRING.map(([value, label]) => h('label', { class: 'opcao' },
    h('input', { type: 'radio', name: 'recorrente', value, checked: value === recurring }), ` ${label}`));
  const status = h('select', {}, STATUSES.map(([value, label]) => h('option', { value, selected: params.get('status') === value }, label)));
  const first = dateInput({ value: dateParam(params, 'inicio') || addDays(today(), -31) });
  const last = dateInput({ value: dateParam(params, 'fim') || today() });
  const body = h('tbody', {});
  const pages = h('nav', { class: 'paginas', 'aria-label': 'Páginas da lista' });
  let page = Number(params.get('pagina') || 0);

  const filters = h('form', { class: 'filtros-linha', role: 'search', 'aria-label': 'Filtrar cobranças' },
    h('fieldset', { class: 'segmentado-radio' }, h('legend', {}, 'Recorrente'), radios),
    field('Situação', status), field('De', first), field('Até', last),
    h('button', { type: 'submit' }, 'Filtrar'));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    page = 0;
    load();
  });
  // The recurring switch filters at once, as the panel's main filter.
  for (const label of radios) label.querySelector('input').addEventListener('change', () => {
    page = 0;
    if (!validateFields(filters).length) load();
  });

  main.append(h('section', { class: 'tela tela-cobrancas' },
    h('div', { class: 'barra' }, h('h1', {}, 'Cobranças no Cartão')),
    filters, box,
    dataTable('Tentativas de cobrança no cartão',
      ['Data', 'Cliente', 'Fatura', 'Cartão', 'Valor', 'Tipo', 'Situação', 'Retorno do gateway'], body, 'processamentos'),
    pages));

  function chosenRecurring() {
    return radios.map((l) => l.querySelector('input')).find((i) => i.checked)?.value || 'todos';
  }

  async function load() {
    const p = new URLSearchParams({ recorrente: chosenRecurring(), inicio: first.isoValue, fim: last.isoValue });
    if (status.value) p.set('status', status.value);
    if (page) p.set('pagina', String(page));
    ctx.setParams(p);
    body.dataset.carregando = 'true';
    try {
      const answer = await api('GET', 'financeiro/cartao/processamentos', { query: {
        recorrente: chosenRecurring(), status: status.value, data_inicio: first.isoValue, data_fim: last.isoValue,
        pagina: page, itens_por_pagina: PER_PAGE,
      } });
      box.replaceChildren();
      fillRows(body, answer.processamentos, row, 8, 'Nenhuma cobrança encontrada com esses filtros.');
      pager(pages, answer.paginacao, page, 'tentativas', goTo);
    } catch (error) {
      replace(body);
      showError(box, error);
    } finally {
      body.dataset.carregando = 'false';
    }
  }

  function row(attempt) {
    const failed = attempt.status === 'recusado' || attempt.status === 'erro';
    const code = attempt.codigo_retorno;
    const message = attempt.mensagem_retorno;
    const answer = code && message ? `${code} — ${message}` : (code || message || '—');
    return h('tr', { class: failed ? 'falhou' : '', dataset: { processamento: attempt.id_processamento } },
      h('td', {}, dateBR(attempt.data)),
      h('td', {}, attempt.cliente || `#${attempt.id_cliente}`),
      h('td', {}, `#${attempt.id_fatura}`),
      h('td', {}, attempt.cartao || '—'),
      h('td', { class: 'numero' }, money(attempt.valor)),
      h('td', {}, attempt.recorrente
        ? h('span', { class: 'selo recorrente', title: `Cobrança recorrente, tentativa ${attempt.tentativa} de 2` },
          `Recorrente · ${attempt.tentativa}ª tentativa`)
        : h('span', { class: 'selo avulsa' }, 'Avulsa'),
        attempt.atrasada ? h('span', { class: 'selo atrasada', title: `Devida em ${dateBR(attempt.data_prevista)}` },
          'Atrasada') : null,
        attempt.forcada ? h('span', { class: 'selo recusado', title: 'Cobrada com forcar: cartão vencido ou recusado' },
          'Forçada') : null),
      h('td', {}, h('span', { class: `selo situacao-${attempt.status}` }, STATUS_LABEL[attempt.status] || attempt.status)),
      h('td', { class: 'retorno' }, answer));
  }

  function goTo(next) {
    page = next;
    load();
  }

  load();
}
