'use strict';
// Replays recorded answers into the JavaScript clients, all in one process.
//
//   node runner.cjs MODULES_DIR IN.json OUT.json
//
// MODULES_DIR holds the installed node_modules (package-lock.json pins them).
// IN.json: {"items": [{"id", "clients": [...], "call": "generate"|"stream"|"edit"|
// "edit-stream", "params": {request body, or an edit's text fields}, "files": [{"name",
// "filename", "content_type", "data_b64"}] (edits), "read": "b64_json"|"url",
// "response": {"status", "headers": [[name, value]...], "body_b64"}}]}. Each client sends its own request
// into a fetch that answers with exactly the recorded bytes, then runs the code a
// typical app runs (read and decode the image, iterate a stream, catch the error).
// OUT.json: {"node", "versions", "results": {id: {client: observation}}}.
// An observation says what the client and the app code did; the suite judges it.

const fs = require('node:fs');
const path = require('node:path');
const { STATUS_CODES } = require('node:http');
const { createRequire } = require('node:module');

const [, , modulesDir, inPath, outPath] = process.argv;
const load = createRequire(path.join(modulesDir, 'package.json'));

const KEY = 'sk-replay-not-a-real-key';
const BASE_URL = 'http://replay.invalid/v1';
// They describe the original wire form, not the bytes handed over here.
const DROP = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection']);
const NO_BODY = new Set([204, 205, 304]);
const HEAD_BYTES = 16;

function version(pkg) {
  // Read from disk: a package's exports need not expose its package.json.
  const file = path.join(modulesDir, 'node_modules', ...pkg.split('/'), 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

// Set when fetch itself cannot carry the recorded answer (a status outside
// 200-599): the harness's limit, reported as such, never as the client's verdict.
let harnessFault = null;

function replayFetch(recorded, sent) {
  return async () => {
    sent.count += 1;
    if (recorded.status < 200 || recorded.status > 599) {
      harnessFault = `fetch cannot carry status ${recorded.status}`;
      throw new RangeError(harnessFault);
    }
    const headers = new Headers();
    for (const [name, value] of recorded.headers) {
      if (DROP.has(name.toLowerCase())) continue;
      try {
        headers.append(name, value);
      } catch {
        // A header value fetch cannot carry; the clients never see it either.
      }
    }
    const body = Buffer.from(recorded.body_b64, 'base64');
    const empty = NO_BODY.has(recorded.status) || body.length === 0;
    const statusText = STATUS_CODES[recorded.status] || '';
    return new Response(empty ? null : body, { status: recorded.status, statusText, headers });
  };
}

function describe(value) {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string (${value.length} chars)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object (${Object.keys(value).slice(0, 6).join(', ')})`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

function firstLine(text) {
  return String(text ?? '').split('\n')[0].slice(0, 300);
}

function bytesRead(where, bytes) {
  return { where, size: bytes.length, head: Buffer.from(bytes.subarray(0, HEAD_BYTES)).toString('hex') };
}

// The app's code: `Buffer.from(item.b64_json, "base64")`, or `new URL(item.url)`.
function readImage(obs, where, field, value) {
  try {
    if (field === 'url') {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new TypeError(`${url.protocol} is not http(s)`);
      }
      obs.images.push({ where, url: url.href });
    } else {
      obs.images.push(bytesRead(where, Buffer.from(value, 'base64')));
    }
    return true;
  } catch (err) {
    const how = field === 'url' ? `new URL(${where})` : `Buffer.from(${where}, "base64")`;
    obs.problem = `${where} is ${describe(value)}: ${how} threw ${err.name}: ${firstLine(err.message)}`;
    return false;
  }
}

function readItems(obs, result, field) {
  const data = result == null ? undefined : result.data;
  if (!Array.isArray(data)) {
    obs.problem = `returned ${describe(result)}; .data is ${describe(data)}`;
    return;
  }
  if (data.length === 0) {
    obs.problem = 'returned .data = []: data[0] is undefined';
    return;
  }
  for (const [i, item] of data.entries()) {
    const value = item == null ? undefined : item[field];
    if (!readImage(obs, `data[${i}].${field}`, field, value)) return;
  }
}

// An app waits for the completed event of its endpoint's family.
async function readStream(obs, stream, completed = 'image_generation.completed') {
  for await (const event of stream) {
    const type = event != null && typeof event === 'object' ? event.type : undefined;
    obs.events.push(typeof type === 'string' ? type : describe(event));
    if (type === completed) {
      if (!readImage(obs, `${type}.b64_json`, 'b64_json', event.b64_json)) return;
    }
  }
}

const OPENAI_ERRORS = [
  'BadRequestError',
  'AuthenticationError',
  'PermissionDeniedError',
  'NotFoundError',
  'ConflictError',
  'UnprocessableEntityError',
  'RateLimitError',
  'InternalServerError',
  'APIConnectionError',
  'APIUserAbortError',
  'APIError',
  'OpenAIError',
];

function openaiError(OpenAI, err) {
  const names = OPENAI_ERRORS.filter((name) => OpenAI[name] && err instanceof OpenAI[name]);
  if (!names.length) names.push(err && err.constructor ? err.constructor.name : typeof err);
  const status = err && typeof err.status === 'number' ? err.status : null;
  return { names, message: firstLine(err && err.message), status };
}

function aiError(ai, err) {
  const names = [];
  if (ai.APICallError.isInstance(err)) names.push('APICallError');
  if (ai.NoImageGeneratedError && ai.NoImageGeneratedError.isInstance(err)) {
    names.push('NoImageGeneratedError');
  }
  if (ai.AISDKError && ai.AISDKError.isInstance(err)) names.push('AISDKError');
  if (!names.length) names.push(err && err.constructor ? err.constructor.name : typeof err);
  const status = err && typeof err.statusCode === 'number' ? err.statusCode : null;
  let message = firstLine(err && err.message);
  const cause = err && err.cause;
  if (cause && cause.message) message += ` (${firstLine(cause.message).slice(0, 200)})`;
  return { names, message, status };
}

function observation() {
  return { sent: false, raised: null, problem: null, images: [], events: [] };
}

const EDITS = new Set(['edit', 'edit-stream']);

function fileBytes(file) {
  return Buffer.from(file.data_b64, 'base64');
}

// images.edit's arguments as an app writes them: each file through toFile with its
// name and type, several images as a list (sent as image[]), the text fields as given.
async function editParams(toFile, item) {
  const params = { ...item.params };
  const images = [];
  for (const file of item.files) {
    const upload = await toFile(fileBytes(file), file.filename, { type: file.content_type });
    if (file.name === 'image' || file.name === 'image[]') images.push(upload);
    else params[file.name] = upload;
  }
  params.image = item.files.some((f) => f.name === 'image[]') ? images : images[0];
  return params;
}

async function openaiNode(OpenAI, item) {
  const obs = observation();
  const sent = { count: 0 };
  const client = new OpenAI({
    apiKey: KEY,
    baseURL: BASE_URL,
    maxRetries: 0,
    fetch: replayFetch(item.response, sent),
  });
  try {
    if (EDITS.has(item.call)) {
      const result = await client.images.edit(await editParams(OpenAI.toFile, item));
      if (item.call === 'edit-stream') await readStream(obs, result, 'image_edit.completed');
      else readItems(obs, result, 'b64_json');
      obs.sent = sent.count > 0;
      return obs;
    }
    const result = await client.images.generate(item.params);
    if (item.call === 'stream') await readStream(obs, result);
    else readItems(obs, result, item.read);
  } catch (err) {
    obs.raised = openaiError(OpenAI, err);
  }
  obs.sent = sent.count > 0;
  return obs;
}

// The AI SDK's OpenAI image options, from the request's own parameters.
const AI_OPTIONS = {
  quality: 'quality',
  style: 'style',
  background: 'background',
  moderation: 'moderation',
  output_format: 'outputFormat',
  output_compression: 'outputCompression',
  user: 'user',
};

async function vercelAi(ai, createOpenAI, item) {
  const obs = observation();
  const sent = { count: 0 };
  const provider = createOpenAI({
    apiKey: KEY,
    baseURL: BASE_URL,
    fetch: replayFetch(item.response, sent),
  });
  const params = item.params;
  const options = {};
  for (const [key, option] of Object.entries(AI_OPTIONS)) {
    if (params[key] != null) options[option] = params[key];
  }
  if (params.input_fidelity != null) options.inputFidelity = params.input_fidelity;
  const n = Number.isInteger(params.n) && params.n > 0 ? params.n : 1;
  // An edit is generateImage with prompt {text, images, mask}: the images as bytes.
  let prompt = params.prompt;
  if (EDITS.has(item.call)) {
    const images = item.files.filter((f) => f.name === 'image' || f.name === 'image[]');
    const mask = item.files.find((f) => f.name === 'mask');
    prompt = { text: params.prompt, images: images.map((f) => new Uint8Array(fileBytes(f))) };
    if (mask) prompt.mask = new Uint8Array(fileBytes(mask));
  }
  // On an edit the SDK takes only WxH sizes; auto is the default when none is given.
  const wxh = /^\d+x\d+$/.test(params.size || '');
  const size = EDITS.has(item.call) && !wxh ? undefined : params.size;
  try {
    const result = await ai.generateImage({
      model: provider.image(params.model || 'dall-e-2'),
      prompt,
      n,
      // One request for all n images, as the recorded answer was one.
      maxImagesPerCall: n,
      size,
      maxRetries: 0,
      providerOptions: { openai: options },
    });
    for (const [i, image] of result.images.entries()) {
      try {
        obs.images.push(bytesRead(`images[${i}].uint8Array`, image.uint8Array));
      } catch (err) {
        obs.problem = `images[${i}].uint8Array threw ${err.name}: ${firstLine(err.message)}`;
        break;
      }
    }
  } catch (err) {
    obs.raised = aiError(ai, err);
  }
  obs.sent = sent.count > 0;
  return obs;
}

async function main() {
  // The AI SDK prints warnings to the console; the observations are the output.
  globalThis.AI_SDK_LOG_WARNINGS = false;
  const input = JSON.parse(fs.readFileSync(inPath, 'utf8'));
  const OpenAI = load('openai').default || load('openai');
  const ai = load('ai');
  const { createOpenAI } = load('@ai-sdk/openai');
  const run = {
    'openai-node': (item) => openaiNode(OpenAI, item),
    'vercel-ai': (item) => vercelAi(ai, createOpenAI, item),
  };
  const results = {};
  const asked = new Set();
  for (const item of input.items) {
    results[item.id] = {};
    for (const client of item.clients) {
      harnessFault = null;
      asked.add(client);
      try {
        // A client named with its major (openai-node-7) runs the same app code.
        const obs = await run[client.replace(/-\d+$/, '')](item);
        results[item.id][client] = harnessFault ? { harness: harnessFault } : obs;
      } catch (err) {
        // The harness broke, not the client: reported as such, never as a verdict.
        results[item.id][client] = { harness: `${err && err.name}: ${firstLine(err && err.message)}` };
      }
    }
  }
  const names = {
    'openai-node': `openai ${version('openai')}`,
    'vercel-ai': `ai ${version('ai')}, @ai-sdk/openai ${version('@ai-sdk/openai')}`,
  };
  const versions = {};
  for (const client of asked) versions[client] = names[client.replace(/-\d+$/, '')];
  const output = { node: process.versions.node, versions, results };
  fs.writeFileSync(outPath, JSON.stringify(output));
}

main().catch((err) => {
  process.stderr.write(`runner failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(2);
});
