// End-to-end tests of Palisade's Direct Line 3.0 API with Microsoft's
// botframework-directlinejs client (the one Web Chat uses), over polling
// and over the WebSocket stream.
//
// Environment:
//   PALISADE_URL, PALISADE_DEMO_TOKEN  gateway address and app secret (required)
//   PALISADE_DEMO_AGENT                the app's Direct Line agent (default hr-helpdesk)
//   PALISADE_SHORT_TTL_SECRET          optional: secret of an app whose tokens live 1 s (token_ttl: 1s)

import './directline-globals.mjs';

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import directline from 'botframework-directlinejs';

import { WAIT, agentName, appSecret, baseURL, optionalEnv, withTimeout } from './helpers.mjs';

const { DirectLine, ConnectionStatus } = directline;

const USER = 'dl_e2e_user';
const shortSecret = optionalEnv('PALISADE_SHORT_TTL_SECRET');
const opts = { timeout: 45_000 };

function domain() {
  return `${baseURL()}/v3/directline`;
}

/** api calls the Direct Line REST API with fetch and returns {status, body, headers}. */
async function api(method, path, credential, body) {
  const headers = { Authorization: `Bearer ${credential}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await withTimeout(
    fetch(`${domain()}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    WAIT,
    `${method} ${path}`,
  );
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

/** generateToken exchanges the app secret for a token bound to user. */
async function generateToken(user = USER) {
  const res = await api('POST', '/tokens/generate', appSecret(), { user: { id: user } });
  assert.equal(res.status, 200, `tokens/generate: ${res.status} ${res.text}`);
  assert.ok(res.body.token, 'tokens/generate returns a token');
  assert.ok(res.body.conversationId, 'tokens/generate returns a conversationId');
  assert.ok(res.body.expires_in > 0, 'tokens/generate returns expires_in');
  return res.body;
}

function isBot(a) {
  return a.type === 'message' && (a.from?.role === 'bot' || a.from?.id === agentName());
}

/**
 * Client wraps a DirectLine: it records every activity and connection
 * status, and waits for activities with a bound.
 */
class Client {
  constructor(options) {
    this.dl = new DirectLine({ domain: domain(), pollingInterval: 200, timeout: 10_000, ...options });
    this.activities = [];
    this.statuses = [];
    this.error = undefined;
    this.waiters = new Set();
    this.subs = [
      this.dl.connectionStatus$.subscribe((s) => this.statuses.push(s)),
      this.dl.activity$.subscribe(
        (a) => {
          this.activities.push(a);
          this.#wake();
        },
        (err) => {
          this.error = err;
          this.#wake();
        },
      ),
    ];
  }

  #wake() {
    for (const w of this.waiters) w();
  }

  /** waitFor resolves with the first activity matching pred, seen before or after the call. */
  waitFor(pred, what, ms = WAIT) {
    let check;
    const p = new Promise((resolve, reject) => {
      check = () => {
        const found = this.activities.find(pred);
        if (found) resolve(found);
        else if (this.error) reject(new Error(`activity$ failed while waiting for ${what}: ${this.error?.message ?? this.error}`));
      };
      this.waiters.add(check);
      check();
    });
    return withTimeout(p, ms, `${what} (activities so far: ${this.describe()})`).finally(() => this.waiters.delete(check));
  }

  /** post sends a message and resolves with the activity id the server gave it. */
  post(text) {
    const p = new Promise((resolve, reject) => {
      this.dl.postActivity({ type: 'message', from: { id: USER, name: 'E2E User' }, text, locale: 'en-GB' }).subscribe(resolve, reject);
    });
    return withTimeout(p, WAIT, `postActivity("${text}")`);
  }

  /** ask posts text and waits for the bot's reply to it. */
  async ask(text) {
    const id = await this.post(text);
    assert.equal(typeof id, 'string', `postActivity should yield the activity id, got ${JSON.stringify(id)}`);
    assert.notEqual(id, 'retry', 'postActivity failed and asked to retry');
    const reply = await this.waitFor((a) => isBot(a) && a.replyToId === id, `the bot's reply to "${text}"`);
    return { id, reply };
  }

  describe() {
    const acts = this.activities.map((a) => `${a.from?.role ?? a.from?.id}:${JSON.stringify((a.text ?? '').slice(0, 40))}`);
    const names = this.statuses.map((s) => ConnectionStatus[s] ?? s);
    return `[${acts.join(', ')}] statuses=[${names.join(',')}]`;
  }

  end() {
    for (const s of this.subs) s.unsubscribe();
    this.waiters.clear();
    this.dl.end();
  }
}

/** session runs fn with a Client and always ends it. */
async function session(options, fn) {
  const c = new Client(options);
  try {
    return await fn(c);
  } finally {
    c.end();
  }
}

describe('botframework-directlinejs', () => {
  test('tokens/generate refuses a wrong secret', opts, async () => {
    const res = await api('POST', '/tokens/generate', 'pls_wrong_' + 'z'.repeat(40), { user: { id: USER } });
    assert.equal(res.status, 401, res.text);
    assert.ok(res.body?.error?.code, `Direct Line error body: ${res.text}`);
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
  });

  test('polling: a message gets the agent reply', opts, async () => {
    const { token, conversationId } = await generateToken();
    await session({ token, webSocket: false }, async (c) => {
      const { id, reply } = await c.ask('When is payday?');
      assert.match(reply.text, /25th/, `reply should give the 25th: ${reply.text}`);
      assert.match(reply.text, /Sources:/, `reply should cite its source: ${reply.text}`);
      assert.equal(reply.conversation?.id, conversationId, 'the token decides the conversation');
      assert.equal(c.dl.conversationId, conversationId);
      const echo = await c.waitFor((a) => a.id === id, 'the echo of the user message');
      assert.equal(echo.from.id, USER, 'the sender is the user the token is bound to');
      assert.equal(echo.text, 'When is payday?');
      assert.equal(c.dl.connectionStatus$.getValue(), ConnectionStatus.Online);
    });
  });

  test('WebSocket: a message gets the agent reply over the stream', opts, async () => {
    assert.equal(typeof globalThis.WebSocket, 'function', 'a WebSocket implementation is installed');
    const { token } = await generateToken();
    await session({ token, webSocket: true }, async (c) => {
      assert.equal(c.dl.webSocket, true, 'directlinejs should use the WebSocket stream');
      const { reply } = await c.ask('When is payday?');
      assert.match(reply.text, /25th/, `reply should give the 25th: ${reply.text}`);
      assert.match(c.dl.streamUrl ?? '', /^ws:\/\/.*\/v3\/directline\/conversations\/[^/]+\/stream\?t=/, 'the stream URL is a WebSocket URL');
      // A second turn arrives on the same stream.
      const second = await c.ask('How many days of annual leave do I get?');
      assert.match(second.reply.text, /\b25\b/);
      const ids = c.activities.map((a) => a.id);
      assert.equal(new Set(ids).size, ids.length, `no activity is delivered twice: ${ids}`);
    });
  });

  test('reconnect with conversationId and watermark gets only new activities', opts, async () => {
    const { token, conversationId } = await generateToken();
    let watermark;
    let first;
    await session({ token, webSocket: false }, async (c) => {
      const { reply } = await c.ask('When is payday?');
      first = c.activities.map((a) => a.id);
      // directlinejs keeps the watermark of the last activity set it read.
      await withTimeout(
        (async () => {
          while (!c.dl.watermark) await new Promise((r) => setTimeout(r, 20));
        })(),
        WAIT,
        'a watermark',
      );
      watermark = c.dl.watermark;
      assert.ok(first.includes(reply.id));
    });
    assert.match(watermark, /^\d+$/, `watermark ${watermark}`);

    await session({ token, conversationId, watermark, webSocket: false }, async (c) => {
      const { reply } = await c.ask('How many days of annual leave do I get?');
      assert.match(reply.text, /\b25\b/);
      assert.equal(reply.conversation?.id, conversationId, 'the same conversation continues');
      const again = c.activities.filter((a) => first.includes(a.id));
      assert.deepEqual(again, [], 'activities before the watermark are not delivered again');
      assert.equal(c.activities.filter(isBot).length, 1, `only the new reply arrives: ${c.describe()}`);
    });

    // Without a watermark the whole history is delivered.
    await session({ token, conversationId, webSocket: false }, async (c) => {
      await c.waitFor((a) => a.id === first[first.length - 1], 'the first turn, from the history');
      await c.waitFor((a) => isBot(a) && /\b25\b/.test(a.text) && !first.includes(a.id), 'the second turn, from the history');
    });
  });

  test('reconnect over the WebSocket with a watermark gets only new activities', opts, async (t) => {
    const { token, conversationId } = await generateToken();
    let watermark;
    let first;
    await session({ token, webSocket: false }, async (c) => {
      await c.ask('When is payday?');
      first = c.activities.map((a) => a.id);
      await withTimeout(
        (async () => {
          while (!c.dl.watermark) await new Promise((r) => setTimeout(r, 20));
        })(),
        WAIT,
        'a watermark',
      );
      watermark = c.dl.watermark;
    });

    // directlinejs reconnects with GET /conversations/{id}?watermark=N and
    // opens the streamUrl it returns; the stream must start after N.
    await session({ token, conversationId, watermark, webSocket: true }, async (c) => {
      const { reply } = await c.ask('How many days of annual leave do I get?');
      assert.match(reply.text, /\b25\b/);
      const again = c.activities.filter((a) => first.includes(a.id));
      assert.deepEqual(
        again.map((a) => a.id),
        [],
        `activities before watermark ${watermark} are delivered again over the stream (${c.dl.streamUrl.replace(/t=[^&]+/, 't=…')})`,
      );
    });
  });

  test('tokens/refresh issues a new token that works', opts, async () => {
    const { token, conversationId } = await generateToken();
    let refreshedByClient;
    await session({ token, webSocket: false }, async (c) => {
      await c.ask('When is payday?');
      // directlinejs refreshes tokens itself on a 15-minute timer; call
      // the same code path now.
      refreshedByClient = await withTimeout(
        new Promise((resolve, reject) => c.dl.refreshToken().subscribe(resolve, reject)),
        WAIT,
        'DirectLine.refreshToken()',
      );
    });
    assert.equal(typeof refreshedByClient, 'string');
    assert.notEqual(refreshedByClient, token, 'refresh issues a new token');

    const res = await api('POST', '/tokens/refresh', token);
    assert.equal(res.status, 200, `tokens/refresh: ${res.text}`);
    assert.equal(res.body.conversationId, conversationId, 'the refreshed token is for the same conversation');
    assert.ok(res.body.expires_in > 0);
    assert.notEqual(res.body.token, token);

    for (const t of [refreshedByClient, res.body.token]) {
      const acts = await api('GET', `/conversations/${conversationId}/activities`, t);
      assert.equal(acts.status, 200, acts.text);
      assert.ok(acts.body.activities.some((a) => isBot(a) && /25th/.test(a.text)), 'the refreshed token reads the conversation');
    }
    // The refreshed token also drives directlinejs.
    await session({ token: res.body.token, conversationId, webSocket: false }, async (c) => {
      const { reply } = await c.ask('How many days of annual leave do I get?');
      assert.match(reply.text, /\b25\b/);
    });

    const withSecret = await api('POST', '/tokens/refresh', appSecret());
    assert.equal(withSecret.status, 400, `refresh takes a token, not the secret: ${withSecret.text}`);
    const garbage = await api('POST', '/tokens/refresh', 'not.a.token');
    assert.ok(garbage.status === 401 || garbage.status === 403, `a forged token is refused: ${garbage.status} ${garbage.text}`);
  });

  test(
    'an expired token is refused as Direct Line does, and directlinejs notices',
    { ...opts, skip: !shortSecret && 'PALISADE_SHORT_TTL_SECRET is not set' },
    async (t) => {
      const gen = await api('POST', '/tokens/generate', shortSecret, { user: { id: USER } });
      assert.equal(gen.status, 200, gen.text);
      assert.equal(gen.body.expires_in, 1, 'the short-lived app issues 1-second tokens');
      const { token, conversationId } = gen.body;
      await session({ token, webSocket: false }, async (c) => {
        await c.ask('When is payday?');
        // Wait for the gateway to refuse the token (1 s plus clock leeway).
        let refused;
        await withTimeout(
          (async () => {
            for (;;) {
              const r = await api('GET', `/conversations/${conversationId}/activities`, token);
              if (r.status !== 200) {
                refused = r;
                return;
              }
              await new Promise((res) => setTimeout(res, 250));
            }
          })(),
          WAIT,
          'the token to expire',
        );
        // Direct Line answers an expired token with 403 (code TokenExpired),
        // which is what directlinejs (and Web Chat) act on.
        assert.equal(refused.status, 403, `expired token: ${refused.status} ${refused.text}`);
        assert.match(refused.body?.error?.code ?? '', /token_?expired/i);
        const expired = ConnectionStatus.ExpiredToken;
        await withTimeout(
          (async () => {
            while (c.dl.connectionStatus$.getValue() !== expired) await new Promise((res) => setTimeout(res, 50));
          })(),
          3_000,
          `directlinejs to report ExpiredToken (${c.describe()})`,
        );
      });
    },
  );

  test("a token cannot read another conversation", opts, async () => {
    const a = await generateToken('dl_e2e_alice');
    const b = await generateToken('dl_e2e_bob');
    const started = await api('POST', '/conversations', a.token);
    assert.equal(started.status, 201, started.text);
    const res = await api('GET', `/conversations/${a.conversationId}/activities`, b.token);
    assert.equal(res.status, 403, `bob's token must not read alice's conversation: ${res.text}`);
    const post = await api('POST', `/conversations/${a.conversationId}/activities`, b.token, { type: 'message', text: 'hi', from: { id: 'dl_e2e_alice' } });
    assert.equal(post.status, 403, post.text);
  });
});
