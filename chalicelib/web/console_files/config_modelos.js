// Configurações > Modelos de mensagem: each event's WhatsApp text, its variables (a click puts one at the
// cursor), a preview rendered by the API with example data while the text is typed, and on/off.
import { api } from './api.js';
import { field, h, messageBox, onSubmit, replace, showError, showMessage, switchControl } from './ui.js';

const PREVIEW_DELAY_MS = 300; // after the last key: one preview call per pause, not per key

export function render(content, ctx) {
  const box = messageBox();
  const chooser = h('select', {});
  const editor = h('div', { class: 'modelo' });
  replace(content, box, field('Evento', chooser, 'O texto enviado ao cliente quando o evento acontece.'), editor);
  let models = [];

  // `saved`: the message of the save that led here, shown in the new form.
  async function load(selected, saved) {
    try {
      models = (await api('GET', 'configuracao/notificacao/modelo')).modelos;
      const wanted = selected || ctx.params.get('evento') || (models[0] && models[0].evento);
      replace(chooser, models.map((m) => h('option', { value: m.evento, selected: m.evento === wanted },
        `${m.descricao}${m.ativo ? '' : ' (desligado)'}`)));
      open(models.find((m) => m.evento === chooser.value), saved);
    } catch (error) {
      showError(box, error);
    }
  }

  function open(model, saved) {
    if (!model) return;
    ctx.setParams(new URLSearchParams({ evento: model.evento }));
    const formBox = messageBox();
    const active = switchControl('Enviar esta mensagem', model.ativo);
    const text = h('textarea', { rows: 5, maxlength: 1000, required: true }, model.texto);
    const preview = h('p', { class: 'previa-texto' });
    const previewBox = messageBox();
    const variables = h('ul', { class: 'variaveis' }, model.variaveis.map((v) => h('li', {},
      h('button', { type: 'button', class: 'link', 'aria-label': `Inserir {{${v.nome}}}: ${v.descricao}`,
        onclick: () => insert(`{{${v.nome}}}`) }, `{{${v.nome}}}`), ` ${v.descricao}`)));
    const save = h('button', { type: 'submit' }, 'Salvar modelo');
    const form = h('form', { class: 'painel', 'aria-labelledby': 'modelo-titulo' },
      h('div', { class: 'barra' }, h('h2', { id: 'modelo-titulo' }, model.descricao),
        h('span', { class: 'selo' }, model.padrao ? 'Texto padrão' : 'Texto personalizado')),
      active.el,
      field('Texto da mensagem', text, 'Use as variáveis abaixo entre chaves duplas.'),
      h('div', {}, h('h3', {}, 'Variáveis'), variables),
      h('section', { class: 'previa', 'aria-labelledby': 'previa-titulo' },
        h('h3', { id: 'previa-titulo' }, 'Prévia com dados de exemplo'), previewBox,
        h('div', { class: 'balao', 'aria-live': 'polite' }, preview)),
      formBox, h('div', { class: 'acoes' }, save));
    replace(editor, form);

    function insert(token) {
      const start = text.selectionStart ?? text.value.length;
      const end = text.selectionEnd ?? start;
      text.setRangeText(token, start, end, 'end');
      text.focus();
      schedule();
    }

    let timer = null;
    let asked = 0;
    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(showPreview, PREVIEW_DELAY_MS);
    }
    async function showPreview() {
      asked += 1;
      const mine = asked;
      try {
        const answer = await api('POST', `configuracao/notificacao/modelo/${model.evento}/previa`, { body: { texto: text.value } });
        if (mine !== asked) return; // a newer text was sent meanwhile
        previewBox.replaceChildren();
        preview.textContent = answer.previa.texto;
      } catch (error) {
        if (mine !== asked) return;
        preview.textContent = '';
        showError(previewBox, error);
      }
    }
    text.addEventListener('input', schedule);

    onSubmit(form, save, formBox, async () => {
      const answer = await api('PUT', `configuracao/notificacao/modelo/${model.evento}`, { body: {
        ativo: active.input.checked, texto: text.value,
      } });
      await load(model.evento, answer.msg);
    });
    if (saved) showMessage(formBox, 'ok', saved);
    showPreview();
  }

  chooser.addEventListener('change', () => open(models.find((m) => m.evento === chooser.value)));
  load();
}
