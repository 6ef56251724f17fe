// Configurações > Integrações > Cartão de Crédito: one form per gateway the deployment can use (the API
// lists them with the credentials each needs, so a new gateway needs no change here).
// Credentials are write-only: a stored one shows as "configurada" and is replaced only when typed again.
// "Ativo" and "Permite Recorrência Automática" are switches: on a configured gateway they save at once.
import { api } from './api.js';
import {
  busy, confirmDialog, dateBR, field, h, messageBox, onSubmit, replace, showError, showMessage, switchControl, uid,
} from './ui.js';

const ENVIRONMENT_LABEL = { sandbox: 'Sandbox (testes)', producao: 'Produção' };
const CREDENTIAL_LABEL = {
  merchant_id: 'Merchant ID', merchant_key: 'Merchant Key', client_id: 'Client ID', client_secret: 'Client Secret',
  seller_id: 'Seller ID',
};

export function render(content) {
  const box = messageBox();
  const list = h('div', { class: 'gateways', 'aria-busy': 'true' });
  replace(content,
    h('p', { class: 'dica' }, 'Os cartões novos são cadastrados no gateway ativo; cada cartão continua cobrado no '
      + 'gateway em que foi cadastrado. Credenciais são guardadas cifradas e nunca exibidas de volta.'),
    box, list);

  async function load() {
    list.setAttribute('aria-busy', 'true');
    try {
      const answer = await api('GET', 'configuracao/integracao/cartao_credito');
      const configured = Object.fromEntries(answer.integracoes.map((i) => [i.gateway, i]));
      replace(list, answer.gateways.map((gateway) => gatewayForm(gateway, configured[gateway.gateway] || null)));
    } catch (error) {
      showError(box, error);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  function gatewayForm(gateway, config) {
    const formBox = messageBox();
    const titleId = uid('gateway');
    const environment = h('select', {}, gateway.ambientes.map((value) => h('option', {
      value, selected: (config ? config.ambiente : 'sandbox') === value,
    }, ENVIRONMENT_LABEL[value] || value)));
    const active = switchControl('Ativo', config ? config.ativo : false,
      'Onde os cartões novos são cadastrados: ativar este desativa o outro.');
    const recurrence = switchControl('Permite Recorrência Automática',
      config ? config.permite_recorrencia_automatica : false,
      'Desligado, o tick não cobra sozinho as faturas dos cartões deste gateway.');
    const credentials = gateway.credenciais.map((name) => {
      const shown = config && config.credenciais && config.credenciais[name];
      const input = h('input', {
        name, autocomplete: 'off', spellcheck: 'false', type: gateway.credenciais_visiveis.includes(name) ? 'text' : 'password',
        placeholder: config && config.credenciais_configuradas ? 'configurada — digite para substituir' : '',
      });
      return { name, input, el: field(CREDENTIAL_LABEL[name] || name, input, shown ? `Atual: ${shown}` : undefined) };
    });
    const save = h('button', { type: 'submit' }, config ? 'Salvar' : 'Configurar');
    const remove = config ? h('button', { type: 'button', class: 'perigo' }, 'Remover integração') : null;
    const state = config
      ? [h('span', { class: `selo ${config.ativo ? 'ativo' : 'inativo'}` }, config.ativo ? 'Ativo' : 'Inativo'),
        ' ', h('span', { class: 'selo' }, config.credenciais_configuradas ? 'Credenciais configuradas' : 'Sem credenciais')]
      : h('span', { class: 'selo inativo' }, 'Não configurado');
    const form = h('form', { class: 'painel gateway', 'aria-labelledby': titleId, dataset: { gateway: gateway.gateway } },
      h('div', { class: 'barra' }, h('h2', { id: titleId }, gateway.nome), h('div', {}, state)),
      config ? h('p', { class: 'dica' }, `Alterado em ${dateBR(config.data_alteracao)}`
        + `${config.usuario_alteracao ? ` por ${config.usuario_alteracao}` : ''}.`) : null,
      h('div', { class: 'linha' }, active.el, recurrence.el),
      field('Ambiente', environment, 'Trocar o ambiente exige digitar as credenciais do outro ambiente.'),
      h('fieldset', {}, h('legend', {}, 'Credenciais'), h('div', { class: 'linha' }, credentials.map((c) => c.el))),
      formBox,
      h('div', { class: 'acoes' }, save, remove));

    // On a configured gateway a switch is a setting of its own: it saves alone, at once.
    for (const [control, key, label] of [[active, 'ativo', 'Ativo'],
      [recurrence, 'permite_recorrencia_automatica', 'Permite Recorrência Automática']]) {
      control.input.addEventListener('change', async () => {
        if (!config) return;
        const wanted = control.input.checked;
        control.input.disabled = true;
        try {
          await api('PUT', `configuracao/integracao/cartao_credito/${gateway.gateway}`, { body: { [key]: wanted } });
          await load();
          const again = list.querySelector(`form[data-gateway="${gateway.gateway}"] .mensagens`);
          if (again) showMessage(again, 'ok', `${label}: ${wanted ? 'ligado' : 'desligado'} para ${gateway.nome}.`);
        } catch (error) {
          control.input.checked = !wanted;
          control.input.disabled = false;
          showError(formBox, error);
        }
      });
    }

    onSubmit(form, save, formBox, async () => {
      const typed = credentials.filter((c) => c.input.value.trim());
      const body = { ambiente: environment.value };
      if (!config) {
        body.ativo = active.input.checked;
        body.permite_recorrencia_automatica = recurrence.input.checked;
      }
      if (typed.length) body.credenciais = Object.fromEntries(credentials.map((c) => [c.name, c.input.value.trim()]));
      await api('PUT', `configuracao/integracao/cartao_credito/${gateway.gateway}`, { body });
      for (const c of credentials) c.input.value = '';
      await load();
      const again = list.querySelector(`form[data-gateway="${gateway.gateway}"] .mensagens`);
      if (again) showMessage(again, 'ok', `Integração ${gateway.nome} salva.`);
    });

    if (remove) remove.addEventListener('click', async () => {
      const sure = await confirmDialog(`Remover a integração ${gateway.nome}?`,
        'As credenciais são apagadas e os cartões cadastrados nesse gateway deixam de ser cobrados até a '
        + 'integração voltar com a mesma conta.', 'Remover');
      if (!sure) return;
      await busy(remove, async () => {
        try {
          await api('DELETE', `configuracao/integracao/cartao_credito/${gateway.gateway}`);
          await load();
          showMessage(box, 'ok', `Integração ${gateway.nome} removida.`);
        } catch (error) {
          showError(formBox, error);
        }
      });
    });
    return form;
  }

  load();
}
