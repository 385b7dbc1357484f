// Browser globals that botframework-directlinejs needs under Node 20.
// Import this module before botframework-directlinejs.
//
// - XMLHttpRequest: directlinejs makes its REST calls with rxjs 5's
//   Observable.ajax, which needs XMLHttpRequest; xhr2 implements it on
//   node:http.
// - WebSocket: directlinejs only streams when a global WebSocket exists
//   (Node 22 has one, Node 20 does not); the ws package provides it.

import { createRequire } from 'node:module';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);

if (typeof globalThis.XMLHttpRequest === 'undefined') {
  globalThis.XMLHttpRequest = require('xhr2');
}
if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = WebSocket;
}
