// The customer's tickets (atendimentos) on their page: each with its protocol, type, status, opening date and
// its OS (links to the OS form); adding a message and closing one (the API refuses closing while an OS of the
// ticket is open, and says which); and "Abrir atendimento" for one of the customer's services. Reading needs
// "Consultar atendimentos", messages and closing "Alterar atendimentos", opening "Criar atendimento".
import { api } from './api.js';
import { dataTable, fillRows, field, h, messageBox, onSubmit, replace, showError, showMessage } from './ui.js';

const CLOSING_STATUS = [['concluido', 'Concluído'], ['sem_conclusao', 'Sem conclusão']];
const SHOWN = 50; // cliente/atendimento's largest limit
const MAX_TEXT = 5000;

export function ticketsSection(customerId, ctx) {
  const box = messageBox();
  const canRead = ctx.can('Consultar atendimentos');
  const canChange = ctx.can('Alterar atendimentos');
  const canOpen = ctx.can('Criar atendimento');
  const body = h('tbody', {});
  const columns = ['Protocolo', 'Tipo', 'Situação', 'Aberto em', 'Descrição', 'OS', canChange ? 'Ações' : null]
    .filter(Boolean);
  let customer = null;
  let closingReasons = [];

  // ------------------------------------------------------------ opening
  const service = h('select', { required: true });
  const type = h('select', { required: true });
  const description = h('textarea', { required: true, rows: 3, maxlength: MAX_TEXT });
  const contact = h('input', { required: true, maxlength: 150, autocomplete: 'off' });
  const phone = h('input', { required: true, maxlength: 20, inputmode: 'tel', autocomplete: 'off' });
  const openButton = h('button', { type: 'submit' }, 'Abrir atendimento');
  const openBox = messageBox();
  const openForm = h('form', { class: 'formulario atendimento-novo', 'aria-labelledby': 'atendimento-novo-titulo' },
    h('h3', { id: 'atendimento-novo-titulo' }, 'Abrir atendimento'),
    openBox,
    h('div', { class: 'linha' }, field('Serviço', service), field('Tipo de atendimento', type)),
    field('Descrição', description, 'O pedido do cliente, como ele o fez.'),
    h('div', { class: 'linha' }, field('Contato', contact), field('Telefone do contato', phone, 'Com DDD.')),
    h('div', { class: 'acoes' }, openButton));

  onSubmit(openForm, openButton, openBox, async () => {
    const answer = await api('POST', 'atendimento', { body: {
      id_cliente_servico: Number(service.value), id_tipo_atendimento: Number(type.value),
      descricao: description.value.trim(), nome: contact.value.trim(), telefone: phone.value.replace(/\D/g, ''),
      email: customer?.email_principal || undefined,
    } });
    description.value = '';
    showMessage(openBox, 'ok', `${answer.msg} Protocolo ${answer.atendimento.protocolo}.`);
    await loadTickets();
  });

  const el = h('section', { class: 'painel', 'aria-labelledby': 'atendimentos-titulo' },
    h('h2', { id: 'atendimentos-titulo' }, 'Atendimentos'),
    box,
    canRead ? dataTable('Atendimentos do cliente', columns, body, 'atendimentos') : null,
    canOpen ? openForm : null);

  // ------------------------------------------------------------ listing
  async function loadTickets() {
    if (!canRead) return;
    const answer = await api('GET', 'cliente/atendimento', { query: {
      busca: 'codigo_cliente', termo_busca: String(customerId), apenas_pendente: 'nao', limit: SHOWN,
    } });
    fillRows(body, answer.atendimentos, row, columns.length, 'Nenhum atendimento deste cliente.');
  }

  function row(ticket) {
    const open = !ticket.data_fechamento;
    const status = [h('span', { class: `selo atendimento-${open ? 'aberto' : 'fechado'}` }, ticket.status)];
    if (!open) {
      status.push(h('small', { class: 'dica' }, ` em ${ticket.data_fechamento}`
        + `${ticket.motivo_fechamento ? ` · ${ticket.motivo_fechamento}` : ''}`));
    }
    const orders = ticket.ordens_servico.map((os) => h('a', {
      href: `#/ordens/${os.numero_ordem_servico}`, 'aria-label': `Abrir a OS ${os.numero_ordem_servico}`,
    }, os.numero_ordem_servico));
    const label = `atendimento ${ticket.protocolo}`;
    const actions = canChange && open ? [
      action('Mensagem', 'secundario pequeno', `Adicionar mensagem ao ${label}`,
        (button) => messageForm(ticket, button)),
      action('Fechar', 'perigo pequeno', `Fechar o ${label}`, (button) => closeForm(ticket, button)),
    ] : [];
    return h('tr', { dataset: { atendimento: ticket.id_atendimento } },
      h('th', { scope: 'row' }, ticket.protocolo),
      h('td', {}, ticket.tipo_atendimento || '—'),
      h('td', {}, status),
      h('td', {}, ticket.data_cadastro),
      h('td', {}, ticket.descricao_abertura || ''),
      h('td', { class: 'os-do-atendimento' }, orders.length ? orders.flatMap((a, i) => (i ? [', ', a] : [a])) : '—'),
      canChange ? h('td', { class: 'acoes-linha' }, actions) : null);
  }

  function action(text, kind, label, run) {
    const button = h('button', { type: 'button', class: kind, 'aria-label': label }, text);
    button.addEventListener('click', () => run(button));
    return button;
  }

  // A small form in a row under the ticket's (one at a time per ticket), like settling an invoice.
  function inlineForm(ticket, opener, kind, title, controls, submitText, send) {
    const row = body.querySelector(`tr[data-atendimento="${ticket.id_atendimento}"]`);
    const next = row.nextElementSibling;
    if (next && next.classList.contains('atendimento-acao')) {
      if (next.dataset.acao === kind) {
        next.querySelector('textarea, select').focus();
        return;
      }
      next.remove();
    }
    const formBox = messageBox();
    const submit = h('button', { type: 'submit' }, submitText);
    const dismiss = h('button', { type: 'button', class: 'secundario' }, 'Desistir');
    const form = h('form', { class: 'formulario', 'aria-label': `${title} ${ticket.protocolo}` },
      formBox, controls, h('div', { class: 'acoes' }, submit, dismiss));
    const line = h('tr', { class: 'atendimento-acao', dataset: { acao: kind } },
      h('td', { colspan: columns.length }, form));
    row.after(line);
    dismiss.addEventListener('click', () => {
      line.remove();
      opener.focus();
    });
    onSubmit(form, submit, formBox, async () => {
      const msg = await send();
      showMessage(box, 'ok', msg);
      await loadTickets();
    });
    form.querySelector('textarea, select').focus();
  }

  function messageForm(ticket, opener) {
    const text = h('textarea', { required: true, rows: 3, maxlength: MAX_TEXT });
    inlineForm(ticket, opener, 'mensagem', 'Mensagem no atendimento', field('Mensagem', text), 'Adicionar mensagem',
      async () => {
        await api('POST', `atendimento/adicionar_mensagem/${ticket.id_atendimento}`,
          { body: { mensagem: text.value.trim() } });
        return `Mensagem adicionada ao atendimento ${ticket.protocolo}.`;
      });
  }

  function closeForm(ticket, opener) {
    const reason = h('select', { required: true }, h('option', { value: '' }, 'Escolha o motivo'),
      closingReasons.map((r) => h('option', { value: String(r.id_motivo_fechamento_atendimento) }, r.descricao)));
    const outcome = h('select', {}, CLOSING_STATUS.map(([value, text]) => h('option', { value }, text)));
    const text = h('textarea', { rows: 3, maxlength: MAX_TEXT });
    inlineForm(ticket, opener, 'fechar', 'Fechar o atendimento', [
      h('div', { class: 'linha' }, field('Motivo do fechamento', reason), field('Situação', outcome)),
      field('Descrição do fechamento', text)], 'Fechar atendimento',
    async () => {
      const answer = await api('PUT', `atendimento/${ticket.id_atendimento}`, { body: {
        fechar_atendimento: true, id_motivo_fechamento_atendimento: Number(reason.value),
        status_fechamento: outcome.value, descricao_fechamento: text.value.trim(),
      } });
      return `${answer.msg}: ${ticket.protocolo}.`;
    });
  }

  async function loadTypes() {
    if (!canOpen) return;
    const answer = await api('GET', 'configuracao/tipo_atendimento');
    replace(type, answer.tipos_atendimento.map((t) => h('option', { value: String(t.id_tipo_atendimento) },
      t.descricao)));
  }

  // The provider's active ticket closing reasons (a catalogue of Configurações › Catálogos).
  async function loadClosingReasons() {
    if (!canChange) return;
    closingReasons = (await api('GET', 'configuracao/motivo_fechamento_atendimento')).motivos_fechamento_atendimento;
  }

  // After the customer is read: their services to open a ticket for, the contact prefilled.
  async function load(found) {
    customer = found;
    replace(service, found.servicos.map((s) => h('option', { value: String(s.id_cliente_servico) },
      `${s.nome} (${s.id_cliente_servico})`)));
    contact.value = found.nome_razaosocial || '';
    phone.value = found.telefone_primario || '';
    openForm.hidden = !found.servicos.length;
    try {
      await Promise.all([loadTickets(), loadTypes(), loadClosingReasons()]);
    } catch (error) {
      showError(box, error);
    }
  }
  return { el, load };
}
