// Clientes: find a customer, then their whole billing picture: per service its state, suspension profile,
// recurring payment and invoices (cliente_servico.js); their tickets (cliente_atendimentos.js); the card panel
// (list, add, remove with confirmation, make default; cards are never edited); the WhatsApp messages sent to
// them and the opt-out switch (cliente_mensagens.js). Each part shows only with the permission its API needs.
//   #/clientes              search
//   #/clientes/<id>         one customer's page
import { api } from './api.js';
import { ticketsSection } from './cliente_atendimentos.js';
import { messagesSection } from './cliente_mensagens.js';
import { serviceBlock } from './cliente_servico.js';
import {
  busy, confirmDialog, customerSearchBy, dataTable, dateBR, field, fillRows, h, messageBox, replace, showError,
  showMessage,
} from './ui.js';

export function render(main, ctx) {
  const [id] = ctx.rest;
  if (id && /^\d+$/.test(id)) renderPanel(main, ctx, Number(id));
  else renderSearch(main, ctx);
}

// -------------------------------------------------------------- search
function renderSearch(main, ctx) {
  const box = messageBox();
  const searchBy = customerSearchBy(
    ['nome_razaosocial', 'nome_fantasia', 'cpf_cnpj', 'codigo_cliente', 'id_cliente_servico', 'telefone', 'login']);
  const term = h('input', { type: 'search', required: true, value: ctx.params.get('termo') || '' });
  if (ctx.params.get('busca')) searchBy.value = ctx.params.get('busca');
  const button = h('button', { type: 'submit' }, 'Buscar');
  const results = h('ul', { class: 'resultados' });
  const form = h('form', { class: 'filtros-linha', role: 'search', 'aria-label': 'Buscar cliente' },
    field('Buscar por', searchBy), field('Termo', term), button);
  main.append(h('section', { class: 'tela tela-clientes' },
    h('div', { class: 'barra' }, h('h1', {}, 'Clientes')), form, box, results));

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

// The registration as GET cliente answers it; per service, its login, technology and addresses.
function registrationData(customer) {
  const pairs = [
    ['Pessoa', customer.tipo_pessoa === 'pj' ? 'Jurídica' : 'Física'],
    ['Nome fantasia', customer.nome_fantasia],
    ['Telefones', [customer.telefone_primario, customer.telefone_secundario, customer.telefone_terciario].filter(Boolean).join(' · ')],
    ['E-mails', [customer.email_principal, customer.email_secundario].filter(Boolean).join(' · ')],
    ['RG', customer.rg],
    ['Nascimento', customer.data_nascimento ? dateBR(customer.data_nascimento) : null],
  ];
  for (const service of customer.servicos) {
    const about = [service.login ? `login ${service.login}` : null, service.tecnologia, service.referencia].filter(Boolean);
    pairs.push([`Serviço ${service.id_cliente_servico}`, about.join(' · ')]);
    const billing = service.endereco_cobranca.completo;
    if (billing !== service.endereco_instalacao.completo) pairs.push([`Cobrança (${service.id_cliente_servico})`, billing]);
  }
  return pairs.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value || '—')]);
}

// --------------------------------------------------------------- panel
function renderPanel(main, ctx, customerId) {
  const box = messageBox();
  const heading = h('h1', {}, 'Cliente');
  const details = h('p', { class: 'dica' });
  const registration = h('dl', { class: 'dados cadastro' });
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

  const showsCards = ctx.can('Gerenciar cartões');
  const messages = messagesSection(customerId, ctx);
  const tickets = ticketsSection(customerId, ctx);
  const showsTickets = ctx.can('Consultar atendimentos') || ctx.can('Criar atendimento');
  main.append(h('section', { class: 'tela tela-cliente' },
    h('div', { class: 'barra' }, heading, h('a', { class: 'botao secundario', href: '#/clientes' }, 'Outro cliente')),
    details, box,
    h('section', { class: 'painel', 'aria-labelledby': 'cadastro-titulo' },
      h('h2', { id: 'cadastro-titulo' }, 'Cadastro'), registration),
    h('section', { class: 'painel', 'aria-labelledby': 'servicos-titulo' },
      h('h2', { id: 'servicos-titulo' }, 'Serviços, faturas e pagamento recorrente'), servicesList),
    showsTickets ? tickets.el : null,
    showsCards ? h('section', { class: 'painel', 'aria-labelledby': 'cartoes-titulo' },
      h('h2', { id: 'cartoes-titulo' }, 'Cartões de crédito'),
      h('p', { class: 'dica' }, 'Cartões não podem ser editados: para trocar dados, remova e cadastre de novo.'),
      dataTable('Cartões do cliente', ['Bandeira', 'Final', 'Titular', 'Validade', 'Padrão', 'Cadastrado em', 'Ações'],
        cardsBody, 'cartoes'),
      addForm) : null,
    messages.el));

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

  async function loadCards() {
    cards = (await api('GET', `cliente/${customerId}/cartao`)).cartoes;
    renderCards();
  }

  let blocks = null;
  async function loadServices() {
    if (!blocks) {
      blocks = services.map((service) => serviceBlock(service, ctx, () => cards));
      replace(servicesList, blocks.length ? blocks.map((b) => b.el) : h('p', {}, 'O cliente não tem serviços.'));
      servicesList.setAttribute('aria-busy', 'true');
      try {
        await Promise.all(blocks.map((b) => b.first()));
      } finally {
        servicesList.removeAttribute('aria-busy');
      }
      return;
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
      replace(registration, registrationData(customer));
      services = customer.servicos;
      if (showsCards) await loadCards();
      await Promise.all([loadServices(), messages.load(), showsTickets ? tickets.load(customer) : null]);
    } catch (error) {
      showError(box, error);
    }
  })();
}
