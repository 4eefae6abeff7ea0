// The admin page: login, the view switch (#nodes, #shards, #channels,
// #actions), and the poll that keeps the views live: `info` every 1.5 s
// through admin/api, without reloading the page.
import * as api from './api.js';
import { Samples } from './samples.js';
import { setupActions } from './views/actions.js';
import { refreshChannel, searchChannels, setupChannels } from './views/channels.js';
import { renderNodes } from './views/nodes.js';
import { renderShards } from './views/shards.js';
import { setupTail, startTail } from './views/tail.js';

const POLL_MS = 1500;
const VIEWS = ['nodes', 'shards', 'channels', 'actions'];
const samples = new Samples();
let timer = null;
let insecure = false;

const $ = (id) => document.getElementById(id);

function currentView() {
  const name = location.hash.slice(1);
  return VIEWS.includes(name) ? name : 'nodes';
}

function tailInActions(channel) {
  location.hash = '#actions';
  void startTail(channel);
}

function render() {
  const view = currentView();
  for (const name of VIEWS) $(`view-${name}`).hidden = name !== view;
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.view === view);
  if (view === 'nodes') renderNodes(samples);
  if (view === 'shards') renderShards(samples);
}

async function poll() {
  const answer = await api.call('info');
  if (answer.result) {
    samples.add(answer.result);
    $('live').textContent = `updated ${new Date().toLocaleTimeString()}`;
    render();
    if (currentView() === 'channels') {
      void searchChannels(tailInActions);
      refreshChannel(tailInActions);
    }
  } else if (answer.error) {
    $('live').textContent = `info failed: ${answer.error.message}`;
  }
}

function showLogin(message = '') {
  clearInterval(timer);
  timer = null;
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('login-password').focus();
}

function showApp() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = insecure;
  render();
  void poll();
  void searchChannels(tailInActions);
  if (timer === null) timer = setInterval(() => void poll(), POLL_MS);
}

async function start() {
  setupActions();
  setupChannels(tailInActions);
  setupTail();
  api.hooks.unauthorized = (message) => {
    api.forget();
    showLogin(message);
  };
  window.addEventListener('hashchange', render);
  $('shards-node').addEventListener('change', render);
  $('logout').addEventListener('click', () => {
    api.forget();
    showLogin();
  });
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('login-error').textContent = '';
    const problem = await api.login($('login-password').value);
    $('login-password').value = '';
    if (problem) $('login-error').textContent = problem;
    else showApp();
  });
  const init = await api.init();
  insecure = init.insecure === true;
  $('version').textContent = `v${init.version}`;
  if (init.authenticated) showApp();
  else showLogin();
}

void start();
