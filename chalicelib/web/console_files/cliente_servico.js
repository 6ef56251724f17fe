// One service on the customer's page: its state (ativo / em aviso / suspenso), its suspension profile,
// "Pagamento Recorrente" with the card it charges, and its invoices with their tries and the operator's
// actions (Cobrar agora, Liquidar, Cancelar). Built once, then refreshed in place, so a control the user is
// touching is never swapped for another element.
import { api } from './api.js';
import {
  busy, confirmDialog, dataTable, dateBR, dateInput, field, fillRows, h, messageBox, money, moneyInput, onSubmit,
  replace, showError, showMessage, switchControl, today,
} from './ui.js';

const INVOICE_STATUS = { aberta: 'Aberta', paga: 'Paga', cancelada: 'Cancelada' };
const PAYMENT_METHODS = [
  ['pix', 'PIX'], ['boleto', 'Boleto'], ['dinheiro', 'Dinheiro'], ['transferencia_bancaria', 'Transferência bancária'],
  ['cartao_credito', 'Cartão de crédito'], ['cartao_debito', 'Cartão de débito'], ['debito_automatico', 'Débito automático'],
  ['cheque', 'Cheque'],
];
const PAYMENT_LABEL = Object.fromEntries(PAYMENT_METHODS);
const INVOICES_SHOWN = 24; // the last two years of a monthly plan

// The state the customer sees: suspended by an unpaid invoice, unlocked in trust while it is owed (until the day
// the hourly tick suspends it again), warned of a suspension, or active.
export function serviceState(service, invoices) {
  if (service.status === 'servico_suspenso') return { key: 'suspenso', label: 'Suspenso' };
  if (service.desbloqueio_confianca) {
    return { key: 'confianca', label: `Desbloqueado em confiança até ${service.desbloqueio_confianca_ate}` };
  }
  const warned = invoices.filter((i) => i.status === 'aberta' && i.data_aviso_bloqueio).map((i) => i.data_bloqueio).sort();
  if (warned.length) return { key: 'aviso', label: `Em aviso · suspensão em ${dateBR(warned[0])}` };
  return { key: 'ativo', label: 'Ativo' };
}

export function serviceBlock(service, ctx, wallet) {
  const titleId = `servico-${service.id_cliente_servico}`;
  const serviceBox = messageBox();
  const state = h('span', { class: 'selo' });
  const canCharge = ctx.can('Gerenciar faturas');
  let invoices = [];
  let changes = 0; // a refresh read before the user's last change is not shown

  // ------------------------------------------------ recurring payment
  const recurring = switchControl('Pagamento Recorrente', false);
  recurring.input.setAttribute('aria-describedby', `${titleId}-efetivo`);
  const choice = h('select', {});
  const effective = h('p', { id: `${titleId}-efetivo`, class: 'dica' });
  let billing = null;
  const showsCards = ctx.can('Gerenciar cartões');

  function showBilling(current) {
    billing = current;
    recurring.input.checked = current.pagamento_recorrente;
    replace(choice, h('option', { value: '' }, 'Cartão padrão do cliente'),
      wallet().map((c) => h('option', { value: String(c.id_cartao), selected: current.id_cartao === c.id_cartao },
        `${c.bandeira} •••• ${c.ultimos_digitos}${c.padrao ? ' (padrão)' : ''}`)));
    effective.textContent = effectiveText(current);
  }

  async function saveChoice() {
    changes += 1;
    recurring.input.disabled = true;
    choice.disabled = true;
    try {
      const answer = await api('PUT', `cliente_servico/${service.id_cliente_servico}/cobranca`, { body: {
        pagamento_recorrente: recurring.input.checked, id_cartao: choice.value ? Number(choice.value) : null,
      } });
      showBilling(answer.cobranca);
      showMessage(serviceBox, 'ok', billing.pagamento_recorrente ? 'Pagamento recorrente ligado.' : 'Pagamento recorrente desligado.');
    } catch (error) {
      if (billing) showBilling(billing);
      showError(serviceBox, error);
    } finally {
      recurring.input.disabled = false;
      choice.disabled = false;
    }
  }
  recurring.input.addEventListener('change', saveChoice);
  choice.addEventListener('change', saveChoice);

  // ---------------------------------------------- suspension profile
  const profile = h('select', { disabled: !ctx.can('Cadastrar clientes') });
  const profileField = service.id_perfil_suspensao === undefined ? null
    : field('Perfil de suspensão', profile, 'Quantos dias após o vencimento o cliente é avisado e o serviço suspenso.');
  async function loadProfiles() {
    if (!profileField) return;
    const profiles = (await api('GET', 'configuracao/perfil_suspensao')).perfis_suspensao;
    replace(profile, profiles.map((p) => h('option', {
      value: String(p.id_perfil_suspensao), selected: p.id_perfil_suspensao === service.id_perfil_suspensao,
    }, `${p.descricao} (aviso em ${p.dias_aviso} d, bloqueio em ${p.dias_bloqueio} d)${p.padrao ? ' · padrão' : ''}`)));
  }
  profile.addEventListener('change', () => busy(profile, async () => {
    const wanted = Number(profile.value);
    try {
      const answer = await api('PUT', `cliente_servico/${service.id_cliente_servico}/perfil_suspensao`,
        { body: { id_perfil_suspensao: wanted } });
      service.id_perfil_suspensao = answer.servico.id_perfil_suspensao;
      showMessage(serviceBox, 'ok', `Perfil de suspensão alterado para ${answer.servico.descricao_perfil_suspensao}. `
        + 'Vale para as faturas cadastradas daqui em diante.');
    } catch (error) {
      profile.value = String(service.id_perfil_suspensao);
      showError(serviceBox, error);
    }
  }));

  // --------------------------------------------------------- invoices
  const invoicesBody = h('tbody', {});
  const invoicesTable = ctx.can('Consultar faturas') ? [h('h4', {}, 'Faturas'),
    dataTable(`Faturas de ${service.nome}`, ['Vencimento', 'Valor', 'Situação', 'Tentativas no cartão',
      canCharge ? 'Ações' : null].filter(Boolean), invoicesBody, 'faturas')] : null;

  async function loadInvoices() {
    if (!invoicesTable) return;
    const answer = await api('GET', 'financeiro/fatura', { query: {
      id_cliente_servico: service.id_cliente_servico, itens_por_pagina: INVOICES_SHOWN,
    } });
    invoices = [...answer.faturas].sort((a, b) => b.data_vencimento.localeCompare(a.data_vencimento));
    fillRows(invoicesBody, invoices, invoiceRow, canCharge ? 5 : 4, 'Nenhuma fatura.');
  }

  function triesText(invoice) {
    const parts = [];
    const tries = invoice.tentativas_recorrentes;
    if (tries) parts.push(`${tries} recorrente${tries > 1 ? 's' : ''}`);
    const oneOff = invoice.tentativas_cartao - invoice.tentativas_recorrentes;
    if (oneOff > 0) parts.push(`${oneOff} avulsa${oneOff > 1 ? 's' : ''}`);
    if (invoice.cobranca_em_andamento) parts.push('cobrança em andamento');
    if (invoice.status === 'aberta' && invoice.proxima_tentativa_recorrente) {
      parts.push(`próxima em ${dateBR(invoice.proxima_tentativa_recorrente)}`);
    }
    return parts.join(' · ') || '—';
  }

  function invoiceRow(invoice) {
    const label = `fatura ${invoice.id_fatura} de ${dateBR(invoice.data_vencimento)}`;
    const status = [h('span', { class: `selo fatura-${invoice.status}` }, INVOICE_STATUS[invoice.status] || invoice.status)];
    if (invoice.status === 'paga') {
      status.push(h('small', { class: 'dica' }, ` ${dateBR((invoice.data_pagamento || '').slice(0, 10))}${invoice.forma_pagamento
        ? ` · ${PAYMENT_LABEL[invoice.forma_pagamento] || invoice.forma_pagamento}` : ''}`));
    } else if (invoice.status === 'aberta' && invoice.suspendeu_servico) {
      status.push(' ', h('span', { class: 'selo recusado' }, 'Suspendeu o serviço'));
    } else if (invoice.status === 'aberta' && invoice.data_aviso_bloqueio) {
      status.push(' ', h('span', { class: 'selo atrasada' }, `Avisada · suspensão em ${dateBR(invoice.data_bloqueio)}`));
    } else if (invoice.status === 'aberta' && invoice.data_bloqueio) {
      status.push(h('small', { class: 'dica' }, ` suspensão em ${dateBR(invoice.data_bloqueio)} se não paga`));
    }
    const actions = canCharge && invoice.status === 'aberta' ? [
      action('Cobrar agora', 'pequeno', `Cobrar agora a ${label}`, () => chargeNow(invoice)),
      action('Liquidar', 'secundario pequeno', `Liquidar a ${label}`, (button) => settleForm(invoice, button)),
      action('Cancelar', 'perigo pequeno', `Cancelar a ${label}`, () => cancel(invoice)),
    ] : [];
    return h('tr', { dataset: { fatura: invoice.id_fatura } },
      h('th', { scope: 'row' }, dateBR(invoice.data_vencimento)),
      h('td', { class: 'numero' }, money(invoice.valor)),
      h('td', {}, status),
      h('td', {}, triesText(invoice)),
      canCharge ? h('td', { class: 'acoes-linha' }, actions) : null);
  }

  function action(text, kind, label, run) {
    const button = h('button', { type: 'button', class: kind, 'aria-label': label }, text);
    button.addEventListener('click', () => run(button));
    return button;
  }

  async function chargeNow(invoice) {
    const card = billing && billing.cartao_efetivo;
    const which = card ? `no cartão ${card.bandeira} •••• ${card.ultimos_digitos}` : 'no cartão padrão do cliente';
    const sure = await confirmDialog('Cobrar agora', `Cobrar ${money(invoice.valor)} da fatura de `
      + `${dateBR(invoice.data_vencimento)} ${which}? É uma cobrança avulsa, fora da recorrência.`, 'Cobrar');
    if (!sure) return;
    try {
      const answer = await api('POST', `financeiro/fatura/${invoice.id_fatura}/cobrar_cartao`);
      const attempt = answer.processamento;
      const failed = attempt.status === 'recusado' || attempt.status === 'erro';
      showMessage(serviceBox, failed ? 'erro' : 'ok', answer.msg);
    } catch (error) {
      showError(serviceBox, error);
    }
    await refresh();
  }

  async function cancel(invoice) {
    const sure = await confirmDialog('Cancelar fatura', `Cancelar a fatura de ${money(invoice.valor)} com vencimento `
      + `em ${dateBR(invoice.data_vencimento)}? Ela não será mais cobrada.`, 'Cancelar fatura');
    if (!sure) return;
    try {
      await api('POST', `financeiro/fatura/${invoice.id_fatura}/cancelar`);
      showMessage(serviceBox, 'ok', `Fatura de ${dateBR(invoice.data_vencimento)} cancelada.`);
    } catch (error) {
      showError(serviceBox, error);
    }
    await refresh();
  }

  // Settling opens a small form under the invoice's row: paid on (today by default), amount, method.
  function settleForm(invoice, opener) {
    const row = invoicesBody.querySelector(`tr[data-fatura="${invoice.id_fatura}"]`);
    if (row.nextElementSibling && row.nextElementSibling.classList.contains('liquidacao')) {
      row.nextElementSibling.querySelector('input').focus();
      return;
    }
    const paidOn = dateInput({ value: today(), required: true });
    const amount = moneyInput({ cents: Math.round(invoice.valor * 100), required: true, min: 1 });
    const method = h('select', { required: true }, PAYMENT_METHODS.map(([value, text]) => h('option', { value }, text)));
    const formBox = messageBox();
    const save = h('button', { type: 'submit' }, 'Confirmar liquidação');
    const close = h('button', { type: 'button', class: 'secundario' }, 'Fechar');
    const form = h('form', { class: 'linha', novalidate: true, 'aria-label': `Liquidar a fatura de ${dateBR(invoice.data_vencimento)}` },
      field('Pago em', paidOn), field('Valor pago (R$)', amount), field('Forma de pagamento', method), save, close);
    const line = h('tr', { class: 'liquidacao' }, h('td', { colspan: 5 }, form, formBox));
    row.after(line);
    close.addEventListener('click', () => {
      line.remove();
      opener.focus();
    });
    onSubmit(form, save, formBox, async () => {
      const answer = await api('POST', 'financeiro/fatura/liquidar', { body: {
        id_fatura: invoice.id_fatura, data_pagamento: paidOn.isoValue, valor_pago: amount.cents / 100,
        forma_pagamento: method.value,
      } });
      showMessage(serviceBox, 'ok', answer.msg);
      await refresh();
    });
    paidOn.focus();
  }

  // ------------------------------------------------------------ block
  const el = h('article', { class: 'servico', 'aria-labelledby': titleId, dataset: { servico: service.id_cliente_servico } },
    h('div', { class: 'barra' }, h('h3', { id: titleId }, `${service.nome} — ${money(service.valor)}`), state),
    h('p', { class: 'dica' }, service.endereco_instalacao.completo || ''),
    serviceBox,
    h('div', { class: 'linha' },
      showsCards ? recurring.el : null, showsCards ? field('Cartão cobrado', choice) : null, profileField),
    showsCards ? effective : null,
    invoicesTable);

  // After a payment, a cancellation or a charge the service may be restored: its state is read again.
  async function reloadService() {
    const found = await api('GET', 'cliente', { query: { busca: 'id_cliente_servico', termo_busca: String(service.id_cliente_servico) } });
    const fresh = found.clientes.flatMap((c) => c.servicos).find((s) => s.id_cliente_servico === service.id_cliente_servico);
    if (fresh) Object.assign(service, fresh);
  }

  async function refresh({ again = true } = {}) {
    const asked = changes;
    const [answer] = await Promise.all([
      showsCards ? api('GET', `cliente_servico/${service.id_cliente_servico}/cobranca`) : null,
      loadInvoices(), again ? reloadService() : null]);
    if (answer && asked === changes) showBilling(answer.cobranca);
    const current = serviceState(service, invoices);
    state.className = `selo estado-${current.key}`;
    state.textContent = current.label;
  }

  async function first() {
    await Promise.all([refresh({ again: false }), loadProfiles()]);
  }
  return { el, refresh, first };
}

function effectiveText(billing) {
  const card = billing.cartao_efetivo;
  if (!card) return 'Nenhum cartão para cobrar: cadastre um cartão para ligar o pagamento recorrente.';
  const which = `${card.bandeira} •••• ${card.ultimos_digitos}`;
  return billing.id_cartao ? `Cobra o cartão ${which}.` : `Cobra o cartão padrão (${which}).`;
}
