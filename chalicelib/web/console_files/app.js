// The console's shell: login, the menu of screens the user may open, and the
// hash router (#/tela?parametros) that mounts one screen at a time.
import {
  api, ApiError, configuredClient, hasToken, login, logout, onUnauthorized, rememberedClient,
} from './api.js';
import {
  h, field, messageBox, replace, showError, showMessage, validationInPortuguese,
} from './ui.js';
import * as calendario from './calendario.js';
import * as agendas from './agendas.js';
import * as ordens from './ordens.js';
import * as clientes from './clientes.js';
import * as cobrancas from './cobrancas.js';
import * as configuracoes from './configuracoes.js';

const SCREENS = [
  { path: 'agenda-tecnicos', title: 'Agenda de Técnicos', module: calendario, permission: 'Consultar ordem de serviço' },
  { path: 'agendas', title: 'Agendas', module: agendas, permission: 'Consultar agenda de OS' },
  { path: 'ordens', title: 'Ordens de Serviço', module: ordens, permission: 'Consultar ordem de serviço' },
  { path: 'clientes', title: 'Clientes', module: clientes, permission: 'Consultar clientes' },
  { path: 'cobrancas', title: 'Cobranças no Cartão', module: cobrancas, permission: 'Consultar processamentos de cartão' },
  // Shown when any of its areas is allowed; each area checks its own permission.
  { path: 'configuracoes', title: 'Configurações', module: configuracoes,
    allowed: () => configuracoes.allowedAreas(user, can).length > 0 },
];

const main = document.getElementById('conteudo');
const header = document.querySelector('header.topo');
let user = null;
let unmount = null;

function can(permission) {
  return Boolean(user && (user.admin || user.permissoes.includes(permission)));
}

function allowedScreens() {
  return SCREENS.filter((s) => (s.allowed ? s.allowed() : can(s.permission)));
}

function parseHash() {
  const text = location.hash.replace(/^#\/?/, '');
  const [route, query = ''] = text.split('?');
  const [path, ...rest] = route.split('/');
  return { path, rest, params: new URLSearchParams(query) };
}

// Screens keep their filters in the address (reload and links keep them) without re-mounting.
function setParams(path, params) {
  const query = params.toString();
  history.replaceState(null, '', `#/${path}${query ? `?${query}` : ''}`);
}

function route() {
  if (!user) return;
  const screens = allowedScreens();
  const { path, rest, params } = parseHash();
  const screen = screens.find((s) => s.path === path);
  if (!screen) {
    if (!screens.length) {
      replace(main, h('p', {}, 'Seu usuário não tem permissão para nenhuma tela do console.'));
      return;
    }
    // A technician's user lands on their own day.
    const home = user.id_tecnico && screens[0].path === 'agenda-tecnicos' ? '?ver=tecnico' : '';
    history.replaceState(null, '', `#/${screens[0].path}${home}`);
    route();
    return;
  }
  if (unmount) unmount();
  unmount = null;
  for (const link of header.querySelectorAll('.menu a')) {
    if (link.dataset.path === screen.path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${screen.title} · Console do Provedor`;
  main.replaceChildren();
  const context = {
    user, can, rest, params, navigate: (hash) => { location.hash = hash; },
    setParams: (p) => setParams(screen.path, p),
  };
  unmount = screen.module.render(main, context) || null;
}

function renderShell() {
  header.hidden = false;
  header.querySelector('.usuario').textContent = user.username;
  replace(header.querySelector('.menu'), allowedScreens().map((s) => h('li', {},
    h('a', { href: `#/${s.path}`, dataset: { path: s.path } }, s.title))));
}

function renderLogin(message) {
  if (unmount) unmount();
  unmount = null;
  user = null;
  header.hidden = true;
  document.title = 'Entrar · Console do Provedor';
  const box = messageBox();
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const configured = configuredClient();
  const remembered = rememberedClient() || {};
  const clientId = h('input', { name: 'client_id', value: remembered.id || '', required: !configured });
  const clientSecret = h('input', { name: 'client_secret', type: 'password', value: remembered.secret || '',
    required: !configured });
  const submit = h('button', { type: 'submit' }, 'Entrar');
  const form = h('form', { class: 'login', 'aria-labelledby': 'login-titulo' },
    h('h1', { id: 'login-titulo' }, 'Console do Provedor'),
    h('p', {}, 'Entre com seu usuário da API.'),
    box,
    field('Usuário', username),
    field('Senha', password),
    configured ? null : h('fieldset', {}, h('legend', {}, 'Cliente OAuth do console'),
      h('p', { class: 'dica' }, 'Este servidor não configurou o cliente do console; informe o client_id e o client_secret recebidos do administrador.'),
      field('client_id', clientId), field('client_secret', clientSecret)),
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await login(username.value.trim(), password.value,
        configured || { id: clientId.value.trim(), secret: clientSecret.value });
      await start();
    } catch (error) {
      showError(box, error);
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  replace(main, h('section', { class: 'tela tela-login' }, form));
  if (message) showMessage(box, 'erro', message);
  username.focus();
}

async function start() {
  try {
    user = (await api('GET', 'usuario_atual')).usuario;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    renderLogin(error.message);
    return;
  }
  renderShell();
  route();
  main.focus();
}

validationInPortuguese();
onUnauthorized(() => renderLogin('Sua sessão expirou. Entre novamente.'));
window.addEventListener('hashchange', route);
header.querySelector('.sair').addEventListener('click', async () => {
  // Leave the screen first: nothing may call the API with the token being revoked.
  renderLogin();
  history.replaceState(null, '', location.pathname + location.search);
  await logout();
});

if (hasToken()) start();
else renderLogin();
