// Shared helpers for the end-to-end tests. Not a test file: node --test
// only runs *.test.mjs here.

import assert from 'node:assert/strict';

/** env returns the environment variable name, failing the test if unset. */
export function env(name) {
  const v = process.env[name];
  assert.ok(v, `environment variable ${name} must be set (run through "go test ./e2e/" or export it from demo.env)`);
  return v;
}

/** optionalEnv returns the variable or undefined when it is unset or empty. */
export function optionalEnv(name) {
  const v = process.env[name];
  return v ? v : undefined;
}

/** baseURL is the gateway's address without a trailing slash. */
export function baseURL() {
  return env('PALISADE_URL').replace(/\/+$/, '');
}

/**
 * bearerToken is the credential for the OpenAI-compatible API: the demo
 * user's access token (palisade demo), or an app secret (palisade serve).
 */
export function bearerToken() {
  return env('PALISADE_DEMO_TOKEN');
}

/**
 * appSecret is the app's secret that Direct Line's tokens/generate needs:
 * PALISADE_DEMO_APP_SECRET, or PALISADE_DEMO_TOKEN when that is the app's
 * secret itself.
 */
export function appSecret() {
  return optionalEnv('PALISADE_DEMO_APP_SECRET') ?? env('PALISADE_DEMO_TOKEN');
}

/** agentName is the knowledge agent the tests talk to. */
export function agentName() {
  return optionalEnv('PALISADE_DEMO_AGENT') ?? 'hr-helpdesk';
}

/**
 * withTimeout resolves or rejects like promise, but rejects with a clear
 * error naming what was awaited if it takes longer than ms.
 */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The reply the knowledge agent gives when its documents do not cover a question. */
export const NO_ANSWER = /couldn't find an answer|could not find an answer/i;

/** WAIT is how long any single wait in these tests may take. */
export const WAIT = 15_000;
