// One service on the customer's page: its state (ativo / em aviso / suspenso), its suspension profile,
// "Pagamento Recorrente" with the card it charges, and its invoices with their tries, their payment data (boleto
// line, PIX code, link: issued by the provider's bank) and the operator's actions (Cobrar agora, Liquidar,
// Cancelar, Dados de pagamento, Enviar por WhatsApp). Built once, then refreshed in place, so a control the user is
// touching is never swapped for another element.
import { api } from './api.js';
import {
  busy, confirmDialog, copyText, dataTable, dateBR, dateInput, field, fillRows, h, messageBox, money, moneyInput,
  onSubmit, replace, showError, showMessage, switchControl, today,
} from './ui.js';

const INVOICE_STATUS = { aberta: 'Aberta', paga: 'Paga', cancelada: 'Cancelada' };
const PAYMENT_METHODS = [
  ['pix', 'PIX'], ['boleto', 'Boleto'], ['dinheiro', 'Dinheiro'], ['transferencia_bancaria', 'Transferência bancária'],
  ['cartao_credito', 'Cartão de crédito'], ['cartao_debito', 'Cartão de débito'], ['debito_automatico', 'Débito automático'],
  ['cheque', 'Cheque'],
];
const PAYMENT_LABEL = Object.fromEntries(PAYMENT_METHODS);
const INVOICES_SHOWN = 24; // the last two years of a monthly plan
// tipo_cobranca (billing/invoices/payment_data.py): how the invoice is charged.
const CHARGE_KIND = { cartao_credito: 'Cartão de crédito', boleto_bancario: 'Boleto', pix: 'PIX', carteira: 'Carteira' };
// The payment data an invoice takes (PUT financeiro/fatura/{id}/dados_pagamento), with the form the API checks.
const PAYMENT_FIELDS = [
  ['linha_digitavel', 'Linha digitável', '47 dígitos (boleto) ou 48 (arrecadação); pontos e espaços são ignorados.',
    { inputmode: 'numeric', maxlength: 60 }],
  ['codigo_barras', 'Código de barras', '44 dígitos.', { inputmode: 'numeric', maxlength: 60 }],
  ['pix_copia_cola', 'PIX copia e cola', 'Começa com 000201.', { maxlength: 512 }],
  ['link', 'Link de pagamento', 'Endereço https.', { inputmode: 'url', maxlength: 500 }],
  ['nosso_numero', 'Nosso número', 'Até 30 letras ou dígitos.', { maxlength: 30 }],
];

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
  const INVOICE_COLUMNS = 6;
  const invoicesTable = ctx.can('Consultar faturas') ? [h('h4', {}, 'Faturas'),
    dataTable(`Faturas de ${service.nome}`, ['Vencimento', 'Valor', 'Situação', 'Pagamento', 'Tentativas no cartão',
      'Ações'], invoicesBody, 'faturas')] : null;

  async function loadInvoices() {
    if (!invoicesTable) return;
    const answer = await api('GET', 'financeiro/fatura', { query: {
      id_cliente_servico: service.id_cliente_servico, itens_por_pagina: INVOICES_SHOWN,
    } });
    invoices = [...answer.faturas].sort((a, b) => b.data_vencimento.localeCompare(a.data_vencimento));
    fillRows(invoicesBody, invoices, invoiceRow, INVOICE_COLUMNS, 'Nenhuma fatura.');
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
    const open = invoice.status === 'aberta';
    const actions = [
      ...(canCharge && open ? [
        action('Cobrar agora', 'pequeno', `Cobrar agora a ${label}`, () => chargeNow(invoice)),
        action('Liquidar', 'secundario pequeno', `Liquidar a ${label}`, (button) => settleForm(invoice, button)),
        action('Cancelar', 'perigo pequeno', `Cancelar a ${label}`, () => cancel(invoice)),
        action('Dados de pagamento', 'secundario pequeno', `Dados de pagamento da ${label}`,
          (button) => paymentDataForm(invoice, button)),
      ] : []),
      open ? action('Enviar por WhatsApp', 'secundario pequeno', `Enviar por WhatsApp a ${label}`,
        () => sendWhatsapp(invoice)) : null,
    ].filter(Boolean);
    return h('tr', { dataset: { fatura: invoice.id_fatura } },
      h('th', { scope: 'row' }, dateBR(invoice.data_vencimento)),
      h('td', { class: 'numero' }, money(invoice.valor)),
      h('td', {}, status),
      h('td', { class: 'pagamento' }, paymentCell(invoice, label)),
      h('td', {}, triesText(invoice)),
      h('td', { class: 'acoes-linha' }, actions.length ? actions : '—'));
  }

  // How the invoice is charged and the payment data the customer pays with, each with a copy button.
  function paymentCell(invoice, label) {
    const parts = [h('span', { class: 'tipo-cobranca' }, CHARGE_KIND[invoice.tipo_cobranca] || invoice.tipo_cobranca || '—')];
    if (invoice.cartao) parts.push(h('small', { class: 'dica' }, ` ${invoice.cartao}`));
    if (invoice.linha_digitavel) {
      parts.push(h('div', { class: 'dado-pagamento' }, h('code', { class: 'linha-digitavel' }, invoice.linha_digitavel),
        copyButton('Copiar linha', `Copiar linha digitável da ${label}`, invoice.linha_digitavel,
          'Linha digitável copiada.')));
    }
    if (invoice.pix_copia_cola) {
      parts.push(h('div', { class: 'dado-pagamento' }, copyButton('Copiar PIX', `Copiar PIX copia e cola da ${label}`,
        invoice.pix_copia_cola, 'PIX copia e cola copiado.')));
    }
    if (invoice.link) {
      parts.push(h('div', { class: 'dado-pagamento' }, h('a', {
        href: invoice.link, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `Link de pagamento da ${label}`,
      }, 'Link de pagamento')));
    }
    return parts;
  }

  function copyButton(text, label, value, done) {
    return action(text, 'secundario pequeno', label, async () => {
      if (await copyText(value)) showMessage(serviceBox, 'ok', done);
      else showMessage(serviceBox, 'erro', 'Não foi possível copiar: selecione o texto e copie.');
    });
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

  // The row under the invoice's where its small form goes (one at a time): null when `kind`'s form is open
  // already (then focused).
  function formRow(invoice, kind) {
    const row = invoicesBody.querySelector(`tr[data-fatura="${invoice.id_fatura}"]`);
    const next = row.nextElementSibling;
    if (next && next.classList.contains('fatura-acao')) {
      if (next.classList.contains(kind)) {
        next.querySelector('input').focus();
        return null;
      }
      next.remove();
    }
    return row;
  }

  // Settling opens a small form under the invoice's row: paid on (today by default), amount, method.
  function settleForm(invoice, opener) {
    const row = formRow(invoice, 'liquidacao');
    if (!row) return;
    const paidOn = dateInput({ value: today(), required: true });
    const amount = moneyInput({ cents: Math.round(invoice.valor * 100), required: true, min: 1 });
    const method = h('select', { required: true }, PAYMENT_METHODS.map(([value, text]) => h('option', { value }, text)));
    const formBox = messageBox();
    const save = h('button', { type: 'submit' }, 'Confirmar liquidação');
    const close = h('button', { type: 'button', class: 'secundario' }, 'Fechar');
    const form = h('form', { class: 'linha', novalidate: true, 'aria-label': `Liquidar a fatura de ${dateBR(invoice.data_vencimento)}` },
      field('Pago em', paidOn), field('Valor pago (R$)', amount), field('Forma de pagamento', method), save, close);
    const line = h('tr', { class: 'fatura-acao liquidacao' }, h('td', { colspan: INVOICE_COLUMNS }, form, formBox));
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

  // The payment data the provider's bank issued: each field as the invoice has it; one emptied is cleared.
  function paymentDataForm(invoice, opener) {
    const row = formRow(invoice, 'dados-pagamento');
    if (!row) return;
    const inputs = PAYMENT_FIELDS.map(([name, , , attrs]) => h('input', {
      ...attrs, name, autocomplete: 'off', value: invoice[name] || '',
    }));
    const formBox = messageBox();
    const save = h('button', { type: 'submit' }, 'Gravar dados de pagamento');
    const close = h('button', { type: 'button', class: 'secundario' }, 'Fechar');
    const form = h('form', { class: 'formulario', novalidate: true,
      'aria-label': `Dados de pagamento da fatura de ${dateBR(invoice.data_vencimento)}` },
    formBox,
    h('div', { class: 'linha' }, PAYMENT_FIELDS.map(([, text, hint], i) => field(text, inputs[i], hint))),
    h('div', { class: 'acoes' }, save, close));
    const line = h('tr', { class: 'fatura-acao dados-pagamento' }, h('td', { colspan: INVOICE_COLUMNS }, form));
    row.after(line);
    close.addEventListener('click', () => {
      line.remove();
      opener.focus();
    });
    onSubmit(form, save, formBox, async () => {
      const body = Object.fromEntries(PAYMENT_FIELDS.map(([name], i) => [name, inputs[i].value.trim()]));
      const answer = await api('PUT', `financeiro/fatura/${invoice.id_fatura}/dados_pagamento`, { body });
      showMessage(serviceBox, 'ok', answer.msg);
      await refresh();
    });
    inputs[0].focus();
  }

  async function sendWhatsapp(invoice) {
    const sure = await confirmDialog('Enviar por WhatsApp', `Enviar ao cliente, por WhatsApp, os dados de pagamento `
      + `da fatura de ${money(invoice.valor)} com vencimento em ${dateBR(invoice.data_vencimento)}?`, 'Enviar');
    if (!sure) return;
    try {
      const answer = await api('POST', 'cliente/financeiro/enviar_whatsapp', { body: { id_fatura: invoice.id_fatura } });
      showMessage(serviceBox, 'ok', answer.msg);
    } catch (error) {
      showError(serviceBox, error);
    }
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
