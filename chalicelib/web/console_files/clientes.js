// Clientes e Cartões: find a customer, then the card panel (list, add,
// remove with confirmation, make default; cards are never edited) and, per
// service, the "Pagamento Recorrente" switch with the card it charges.
//   #/clientes              search
//   #/clientes/<id>         one customer's panel
import { api } from './api.js';
import {
  busy, confirmDialog, customerSearchBy, dataTable, dateBR, field, fillRows, h, messageBox, money, replace, showError,
  showMessage,
} from './ui.js';

const SERVICE_STATUS = { servico_habilitado: 'Serviço habilitado', servico_suspenso: 'Serviço suspenso' };

export function render(main, ctx) {
  const [id] = ctx.rest;
  if (id && /^\d+$/.test(id)) renderPanel(main, ctx, Number(id));
  else renderSearch(main, ctx);
}

// -------------------------------------------------------------- search
function renderSearch(main, ctx) {
  const box = messageBox();
  const searchBy = customerSearchBy(
    ['nome_razaosocial', 'cpf_cnpj', 'codigo_cliente', 'id_cliente_servico', 'telefone']);
  const term = h('input', { type: 'search', required: true, value: ctx.params.get('termo') || '' });
  if (ctx.params.get('busca')) searchBy.value = ctx.params.get('busca');
  const button = h('button', { type: 'submit' }, 'Buscar');
  const results = h('ul', { class: 'resultados' });
  const form = h('form', { class: 'filtros-linha', role: 'search', 'aria-label': 'Buscar cliente' },
    field('Buscar por', searchBy), field('Termo', term), button);
  main.append(h('section', { class: 'tela tela-clientes' },
    h('div', { class: 'barra' }, h('h1', {}, 'Clientes e Cartões')), form, box, results));

  async function search() {
    const p = new URLSearchParams({ busca: searchBy.value, termo: term.value.trim() });
    ctx.setParams(p);
    await busy(button, async () => {
      try {
        const answer = await api('GET', 'cliente', { query: { busca: searchBy.value, termo_busca: term.value.trim(), limit: 20 } });
        replace(results, answer.clientes.map((c) => h('li', {},
          h('a', { href: `#/clientes/${c.id_cliente}` }, c.nome_razaosocial),
          ` — ${c.cpf_cnpj} — ${c.servicos.map((s) => s.nome).join(', ')}`)));
        if (!answer.clientes.length) showMessage(box, 'info', answer.msg);
        else box.replaceChildren();
      } catch (error) {
        showError(box, error);
      }
    });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    search();
  });
  if (term.value) search();
  term.focus();
}

// --------------------------------------------------------------- panel
function renderPanel(main, ctx, customerId) {
  const box = messageBox();
  const heading = h('h1', {}, 'Cliente');
  const details = h('p', { class: 'dica' });
  const cardsBody = h('tbody', {});
  const servicesList = h('div', { class: 'servicos' });
  let cards = [];
  let services = [];

  // The add form: the number and CVV go to the API (tokenized at the gateway) and are cleared at once.
  const number = h('input', { inputmode: 'numeric', autocomplete: 'off', required: true, maxlength: 23 });
  const holder = h('input', { autocomplete: 'off', required: true, maxlength: 25 });
  const month = h('select', { required: true }, h('option', { value: '' }, 'Mês'),
    Array.from({ length: 12 }, (_, i) => h('option', { value: String(i + 1) }, String(i + 1).padStart(2, '0'))));
  const thisYear = new Date().getFullYear();
  const year = h('select', { required: true }, h('option', { value: '' }, 'Ano'),
    Array.from({ length: 16 }, (_, i) => h('option', { value: String(thisYear + i) }, String(thisYear + i))));
  const cvv = h('input', { inputmode: 'numeric', autocomplete: 'off', maxlength: 4 });
  const makeDefault = h('input', { type: 'checkbox' });
  const addButton = h('button', { type: 'submit' }, 'Cadastrar cartão');
  const addBox = messageBox();
  const addForm = h('form', { class: 'formulario cartao-novo', novalidate: true, 'aria-labelledby': 'cartao-novo-titulo' },
    h('h3', { id: 'cartao-novo-titulo' }, 'Novo cartão'),
    addBox,
    h('div', { class: 'linha' }, field('Número do cartão', number), field('Nome do titular', holder, 'Como impresso no cartão.')),
    h('div', { class: 'linha' }, field('Mês de validade', month), field('Ano de validade', year), field('CVV', cvv, 'Conferido e descartado; não é guardado.')),
    h('div', { class: 'campo caixa' }, h('label', {}, makeDefault, ' Tornar este o cartão padrão')),
    h('div', { class: 'acoes' }, addButton));

  main.append(h('section', { class: 'tela tela-cliente' },
    h('div', { class: 'barra' }, heading, h('a', { class: 'botao secundario', href: '#/clientes' }, 'Outro cliente')),
    details, box,
    h('section', { class: 'painel', 'aria-labelledby': 'cartoes-titulo' },
      h('h2', { id: 'cartoes-titulo' }, 'Cartões de crédito'),
      h('p', { class: 'dica' }, 'Cartões não podem ser editados: para trocar dados, remova e cadastre de novo.'),
      dataTable('Cartões do cliente', ['Bandeira', 'Final', 'Titular', 'Validade', 'Padrão', 'Cadastrado em', 'Ações'],
        cardsBody, 'cartoes'),
      addForm),
    h('section', { class: 'painel', 'aria-labelledby': 'servicos-titulo' },
      h('h2', { id: 'servicos-titulo' }, 'Serviços e pagamento recorrente'), servicesList)));

  function renderCards() {
    fillRows(cardsBody, cards, cardRow, 7, 'Nenhum cartão cadastrado.');
  }

  function cardRow(card) {
    const label = `${card.bandeira} final ${card.ultimos_digitos}`;
    const remove = h('button', { type: 'button', class: 'perigo pequeno', 'aria-label': `Remover o cartão ${label}` }, 'Remover');
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog('Remover cartão', `Remover o cartão ${label} de ${card.nome_titular}? ` +
        'Ele deixa de ser cobrado; para usá-lo de novo será preciso cadastrá-lo outra vez.', 'Remover');
      if (!ok) return;
      await busy(remove, async () => {
        try {
          const answer = await api('DELETE', `cliente/${customerId}/cartao/${card.id_cartao}`);
          cards = answer.cartoes;
          showMessage(box, 'ok', `Cartão ${label} removido.`);
          renderCards();
          await loadServices();
        } catch (error) {
          showError(box, error);
        }
      });
    });
    const makeIt = h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Tornar padrão o cartão ${label}` },
      'Tornar padrão');
    makeIt.addEventListener('click', () => busy(makeIt, async () => {
      try {
        await api('POST', `cliente/${customerId}/cartao/${card.id_cartao}/padrao`);
        showMessage(box, 'ok', `Cartão ${label} agora é o padrão.`);
        await loadCards();
        await loadServices();
      } catch (error) {
        showError(box, error);
      }
    }));
    return h('tr', { dataset: { cartao: card.id_cartao } },
      h('td', {}, card.bandeira),
      h('th', { scope: 'row' }, `•••• ${card.ultimos_digitos}`),
      h('td', {}, card.nome_titular),
      h('td', {}, card.validade),
      h('td', {}, card.padrao ? h('span', { class: 'selo padrao' }, 'Padrão') : '',
        card.recusado_pelo_emissor ? h('span', { class: 'selo recusado', title: card.recusado_pelo_emissor },
          'Recusado pelo emissor') : null,
        // Expired, or held by a gateway no longer configured: the operator reads why it is not charged.
        !card.recusado_pelo_emissor && card.disponivel_para_cobranca === false
          ? h('span', { class: 'selo recusado', title: card.motivo_indisponivel }, 'Não cobrável') : null),
      h('td', {}, dateBR(card.data_cadastro)),
      h('td', { class: 'acoes-linha' }, card.padrao ? null : makeIt, remove));
  }

  // One service's "Pagamento Recorrente": built once, then refreshed in place (card list, effective card)
  // after card changes, so a switch the user is touching is never swapped for another element.
  function serviceBlock(service) {
    const titleId = `servico-${service.id_cliente_servico}`;
    const toggle = h('input', { type: 'checkbox', role: 'switch', 'aria-describedby': `${titleId}-efetivo` });
    const choice = h('select', {});
    const effective = h('p', { id: `${titleId}-efetivo`, class: 'dica' });
    const serviceBox = messageBox();
    let billing = null;
    let changes = 0; // a refresh read before the user's last change is not shown

    function show(current) {
      billing = current;
      toggle.checked = current.pagamento_recorrente;
      replace(choice, h('option', { value: '' }, 'Cartão padrão do cliente'),
        cards.map((c) => h('option', { value: String(c.id_cartao), selected: current.id_cartao === c.id_cartao },
          `${c.bandeira} •••• ${c.ultimos_digitos}${c.padrao ? ' (padrão)' : ''}`)));
      effective.textContent = effectiveText(current);
    }

    async function saveChoice() {
      changes += 1;
      toggle.disabled = true;
      choice.disabled = true;
      try {
        const answer = await api('PUT', `cliente_servico/${service.id_cliente_servico}/cobranca`, { body: {
          pagamento_recorrente: toggle.checked, id_cartao: choice.value ? Number(choice.value) : null,
        } });
        show(answer.cobranca);
        showMessage(serviceBox, 'ok', billing.pagamento_recorrente ? 'Pagamento recorrente ligado.' : 'Pagamento recorrente desligado.');
      } catch (error) {
        if (billing) show(billing);
        showError(serviceBox, error);
      } finally {
        toggle.disabled = false;
        choice.disabled = false;
      }
    }

    async function refresh() {
      const asked = changes;
      const answer = await api('GET', `cliente_servico/${service.id_cliente_servico}/cobranca`);
      if (asked === changes) show(answer.cobranca);
    }

    toggle.addEventListener('change', saveChoice);
    choice.addEventListener('change', saveChoice);
    const el = h('article', { class: 'servico', 'aria-labelledby': titleId, dataset: { servico: service.id_cliente_servico } },
      h('h3', { id: titleId }, `${service.nome} — ${money(service.valor)}`),
      h('p', { class: 'dica' }, `${service.endereco_instalacao.completo || ''} · ${SERVICE_STATUS[service.status] || service.status}`),
      h('div', { class: 'linha' },
        h('label', { class: 'chave' }, toggle, h('span', { class: 'trilho', 'aria-hidden': 'true' }), ' Pagamento Recorrente'),
        field('Cartão cobrado', choice)),
      effective, serviceBox);
    return { el, refresh };
  }

  function effectiveText(billing) {
    const card = billing.cartao_efetivo;
    if (!card) return 'Nenhum cartão para cobrar: cadastre um cartão para ligar o pagamento recorrente.';
    const which = `${card.bandeira} •••• ${card.ultimos_digitos}`;
    return billing.id_cartao ? `Cobra o cartão ${which}.` : `Cobra o cartão padrão (${which}).`;
  }

  async function loadCards() {
    cards = (await api('GET', `cliente/${customerId}/cartao`)).cartoes;
    renderCards();
  }

  let blocks = null;
  async function loadServices() {
    if (!blocks) {
      blocks = services.map(serviceBlock);
      replace(servicesList, blocks.length ? blocks.map((b) => b.el) : h('p', {}, 'O cliente não tem serviços.'));
    }
    servicesList.setAttribute('aria-busy', 'true');
    try {
      await Promise.all(blocks.map((b) => b.refresh()));
    } finally {
      servicesList.removeAttribute('aria-busy');
    }
  }

  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(addButton, async () => {
      const body = {
        numero: number.value.replace(/\D/g, ''), nome_titular: holder.value.trim(),
        mes_validade: month.value ? Number(month.value) : '', ano_validade: year.value ? Number(year.value) : '',
        padrao: makeDefault.checked,
      };
      if (cvv.value) body.cvv = cvv.value.trim();
      try {
        const answer = await api('POST', `cliente/${customerId}/cartao`, { body });
        const card = answer.cartao;
        number.value = '';
        cvv.value = '';
        holder.value = '';
        month.value = '';
        year.value = '';
        makeDefault.checked = false;
        showMessage(addBox, 'ok', `Cartão ${card.bandeira} final ${card.ultimos_digitos} cadastrado${card.padrao ? ' como padrão' : ''}.`);
        await loadCards();
        await loadServices();
      } catch (error) {
        cvv.value = '';
        showError(addBox, error);
      }
    });
  });

  (async () => {
    try {
      const found = await api('GET', 'cliente', { query: { busca: 'codigo_cliente', termo_busca: String(customerId) } });
      const customer = found.clientes[0];
      if (!customer) {
        showMessage(box, 'erro', `Cliente ${customerId} não encontrado.`);
        return;
      }
      heading.textContent = customer.nome_razaosocial;
      details.textContent = `Código ${customer.codigo_cliente} · ${customer.cpf_cnpj} · ${customer.telefone_primario || ''}`;
      services = customer.servicos;
      await loadCards();
      await loadServices();
    } catch (error) {
      showError(box, error);
    }
  })();
}
