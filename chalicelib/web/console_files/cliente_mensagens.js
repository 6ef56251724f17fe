// The customer's WhatsApp on their page: the opt-out switch and the messages sent to them (the message
// log filtered by customer, newest first, with ZapMe's reason when one failed).
import { api } from './api.js';
import { dataTable, dateBR, fillRows, h, messageBox, pager, showError, showMessage, switchControl } from './ui.js';

const STATUS_LABEL = {
  enviando: 'Enviando', enviada: 'Enviada', falha_temporaria: 'Falha temporária (nova tentativa)', falha: 'Falhou',
  falha_permanente: 'Recusada', ignorada: 'Não enviada',
};
const PER_PAGE = 20;

export function messagesSection(customerId, ctx) {
  const box = messageBox();
  const canRead = ctx.can('Consultar mensagens');
  const canChange = ctx.can('Cadastrar clientes');
  const optIn = switchControl('Recebe mensagens por WhatsApp', false,
    'Desligado, nenhum aviso (OS, cobranças, suspensão) é enviado a este cliente.');
  optIn.input.disabled = true;
  const body = h('tbody', {});
  const pages = h('nav', { class: 'paginas', 'aria-label': 'Páginas das mensagens' });
  let page = 0;

  const el = h('section', { class: 'painel', 'aria-labelledby': 'mensagens-titulo' },
    h('h2', { id: 'mensagens-titulo' }, 'Mensagens de WhatsApp'),
    ctx.can('Consultar clientes') ? optIn.el : null,
    box,
    canRead ? dataTable('Mensagens enviadas ao cliente', ['Data', 'Evento', 'Telefone', 'Situação', 'Texto'], body,
      'mensagens-cliente') : null,
    canRead ? pages : null);

  async function loadPreference() {
    if (!ctx.can('Consultar clientes')) return;
    const answer = await api('GET', `cliente/${customerId}/notificacao`);
    optIn.input.checked = answer.notificacao.whatsapp;
    optIn.input.disabled = !canChange;
  }

  optIn.input.addEventListener('change', async () => {
    const wanted = optIn.input.checked;
    optIn.input.disabled = true;
    try {
      const answer = await api('PUT', `cliente/${customerId}/notificacao`, { body: { whatsapp: wanted } });
      optIn.input.checked = answer.notificacao.whatsapp;
      showMessage(box, 'ok', wanted ? 'O cliente volta a receber mensagens por WhatsApp.'
        : 'O cliente não recebe mais mensagens por WhatsApp.');
    } catch (error) {
      optIn.input.checked = !wanted;
      showError(box, error);
    } finally {
      optIn.input.disabled = false;
    }
  });

  async function loadMessages() {
    if (!canRead) return;
    const answer = await api('GET', 'notificacao/mensagem', { query: {
      id_cliente: customerId, pagina: page, itens_por_pagina: PER_PAGE,
    } });
    fillRows(body, answer.mensagens, row, 5, 'Nenhuma mensagem enviada a este cliente nos últimos dias.');
    pager(pages, answer.paginacao, page, 'mensagens', (next) => {
      page = next;
      loadMessages().catch((error) => showError(box, error));
    });
  }

  function row(message) {
    const failed = ['falha', 'falha_permanente'].includes(message.status);
    return h('tr', { class: failed ? 'falhou' : null },
      h('td', {}, dateBR(message.data)),
      h('th', { scope: 'row' }, message.descricao_evento || message.evento),
      h('td', {}, message.telefone || '—'),
      h('td', { class: failed ? 'retorno' : null }, STATUS_LABEL[message.status] || message.status,
        message.motivo ? h('small', { class: 'dica' }, ` — ${message.motivo}`) : null),
      h('td', {}, message.texto || ''));
  }

  async function load() {
    try {
      await Promise.all([loadPreference(), loadMessages()]);
    } catch (error) {
      showError(box, error);
    }
  }
  return { el, load };
}
