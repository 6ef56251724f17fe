// Configurações > Integrações > ZapMe: the account's keys (the secret write-only: shown as "configurado" and
// replaced only when typed again), on/off, the account and WhatsApp device status as ZapMe reports it now,
// and a test message to any number.
import { api } from './api.js';
import { busy, dateBR, field, h, messageBox, onSubmit, replace, showError, showMessage, switchControl } from './ui.js';

export function render(content) {
  const box = messageBox();
  const active = switchControl('Ativo', false, 'Desligado, nenhuma mensagem é enviada (ficam no registro como não enviadas).');
  const apiKey = h('input', { name: 'api', autocomplete: 'off', spellcheck: 'false', required: true, maxlength: 200 });
  const secret = h('input', { name: 'secret', type: 'password', autocomplete: 'new-password', maxlength: 200 });
  const url = h('input', { name: 'url', type: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://api.zapme.com.br' });
  const changed = h('p', { class: 'dica alteracao' });
  const save = h('button', { type: 'submit' }, 'Salvar');
  const formBox = messageBox();
  const form = h('form', { class: 'painel', 'aria-labelledby': 'zapme-conta' },
    h('h2', { id: 'zapme-conta' }, 'Conta ZapMe'), changed, active.el,
    h('div', { class: 'linha' }, field('Chave API', apiKey), field('Chave secreta', secret, 'Guardada cifrada e nunca exibida.')),
    field('Endereço da API', url, 'Vazio: o endereço da ZapMe. Trocar o endereço exige digitar a chave secreta de novo.'),
    formBox, h('div', { class: 'acoes' }, save));

  const statusBox = messageBox();
  const statusList = h('dl', { class: 'dados' });
  const check = h('button', { type: 'button', class: 'secundario' }, 'Consultar situação');
  const status = h('section', { class: 'painel', 'aria-labelledby': 'zapme-situacao' },
    h('div', { class: 'barra' }, h('h2', { id: 'zapme-situacao' }, 'Situação na ZapMe'), check), statusBox, statusList);

  const phone = h('input', { type: 'tel', inputmode: 'tel', autocomplete: 'off', required: true, placeholder: '(11) 98765-4321' });
  const text = h('textarea', { rows: 2, maxlength: 1000 });
  const send = h('button', { type: 'submit' }, 'Enviar mensagem de teste');
  const testBox = messageBox();
  const test = h('form', { class: 'painel', 'aria-labelledby': 'zapme-teste' },
    h('h2', { id: 'zapme-teste' }, 'Mensagem de teste'),
    h('p', { class: 'dica' }, 'Enviada agora pela integração, sem fila; não entra no registro de nenhum cliente.'),
    h('div', { class: 'linha' }, field('Celular com DDD', phone), field('Texto (opcional)', text)),
    testBox, h('div', { class: 'acoes' }, send));

  replace(content, box, form, status, test);
  let config = null;

  function show(current) {
    config = current;
    active.input.checked = Boolean(current && current.ativo);
    apiKey.value = current ? current.api : '';
    url.value = current && current.url ? current.url : '';
    secret.value = '';
    secret.required = !current;
    secret.placeholder = current && current.secret_configurado ? 'configurada — digite para substituir' : '';
    changed.textContent = current
      ? `Alterada em ${dateBR(current.data_alteracao)}${current.usuario_alteracao ? ` por ${current.usuario_alteracao}` : ''}.`
      : 'A ZapMe ainda não foi configurada.';
    check.disabled = !current;
    send.disabled = !current;
  }

  async function load() {
    try {
      show((await api('GET', 'configuracao/integracao/zapme')).zapme);
      if (config && config.ativo) await checkStatus();
    } catch (error) {
      showError(box, error);
    }
  }

  async function checkStatus() {
    await busy(check, async () => {
      try {
        const answer = await api('GET', 'configuracao/integracao/zapme/status');
        const { conta, dispositivo } = answer.zapme_status;
        const connected = dispositivo.conectado === null ? 'Não informado' : (dispositivo.conectado ? 'Conectado' : 'Desconectado');
        replace(statusList,
          h('dt', {}, 'Plano'), h('dd', {}, conta.plano || '—'),
          h('dt', {}, 'Situação da conta'), h('dd', {}, conta.situacao || '—'),
          h('dt', {}, 'Vencimento'), h('dd', {}, conta.vencimento ? dateBR(conta.vencimento) : '—'),
          h('dt', {}, 'WhatsApp'), h('dd', {}, h('span', { class: `selo ${dispositivo.conectado ? 'ativo' : 'recusado'}` }, connected),
            dispositivo.autenticado_em ? ` desde ${dateBR(dispositivo.autenticado_em)}` : ''));
        showMessage(statusBox, dispositivo.conectado === false ? 'aviso' : 'ok', answer.msg);
      } catch (error) {
        replace(statusList);
        showError(statusBox, error);
      }
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { ativo: active.input.checked, api: apiKey.value.trim() };
    if (secret.value) body.secret = secret.value;
    if (url.value.trim() || (config && config.url)) body.url = url.value.trim();
    await busy(save, async () => {
      try {
        const answer = await api('PUT', 'configuracao/integracao/zapme', { body });
        show(answer.zapme);
        showMessage(formBox, 'ok', answer.msg);
      } catch (error) {
        secret.value = '';
        showError(formBox, error);
      }
    });
  });
  check.addEventListener('click', checkStatus);
  onSubmit(test, send, testBox, async () => {
    const answer = await api('POST', 'configuracao/integracao/zapme/teste', { body: {
      telefone: phone.value.trim(), texto: text.value.trim(),
    } });
    const sent = answer.envio;
    showMessage(testBox, sent.situacao === 'enviada' ? 'ok' : 'erro',
      `${answer.msg} ${sent.motivo || ''}`.trim(), []);
  });
  load();
}
