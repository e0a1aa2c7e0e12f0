'use strict';
// Runs each common way of handing a file to the JavaScript clients' edit calls
// against a loopback recorder, which keeps the bytes each call put on the wire.
//
//   node file_parts.cjs MODULES_DIR IN.json OUT.json
//
// IN.json: {"root": "http://127.0.0.1:PORT", "clients": ["openai-node", "vercel-ai"...],
// "files": {"png"|"jpeg"|"webp"|"mask": base64}}. Call form F of client C goes to
// ROOT/C/F/v1, so the recorder knows which request is which. OUT.json:
// {"node", "versions", "forms": [{"client", "form", "call", "error"}]}; what was
// sent is read from the recorder, not from here.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');

const [, , modulesDir, inPath, outPath] = process.argv;
const load = createRequire(path.join(modulesDir, 'package.json'));
const KEY = 'sk-file-parts-not-a-real-key';

function version(pkg) {
  const file = path.join(modulesDir, 'node_modules', ...pkg.split('/'), 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

function firstLine(text) {
  return String(text ?? '').split('\n')[0].slice(0, 200);
}

// openai-node: what people pass as `image` (and `mask`) to images.edit.
function openaiForms(toFile, bytes, paths) {
  const png = bytes.png;
  return [
    ['toFile-name-type', 'image: await toFile(buf, "a.png", {type: "image/png"})',
      async () => ({ image: await toFile(png, 'a.png', { type: 'image/png' }) })],
    ['toFile-name', 'image: await toFile(buf, "a.png")',
      async () => ({ image: await toFile(png, 'a.png') })],
    ['toFile-nameless', 'image: await toFile(buf)', async () => ({ image: await toFile(png) })],
    ['toFile-readstream', 'image: await toFile(fs.createReadStream("a.png"), null, {type: "image/png"})',
      async () => ({
        image: await toFile(fs.createReadStream(paths.png), null, { type: 'image/png' }),
      })],
    ['readstream', 'image: fs.createReadStream("a.png")',
      async () => ({ image: fs.createReadStream(paths.png) })],
    ['file', 'image: new File([buf], "a.png", {type: "image/png"})',
      async () => ({ image: new File([png], 'a.png', { type: 'image/png' }) })],
    ['blob-nameless', 'image: new Blob([buf], {type: "image/png"})',
      async () => ({ image: new Blob([png], { type: 'image/png' }) })],
    ['buffer', 'image: buf (a Buffer, no name)', async () => ({ image: png })],
    ['toFile-list', 'image: [await toFile(png, "a.png", {type}), await toFile(jpg, "b.jpg", {type})]',
      async () => ({
        image: [
          await toFile(png, 'a.png', { type: 'image/png' }),
          await toFile(bytes.jpeg, 'b.jpg', { type: 'image/jpeg' }),
        ],
      })],
    ['toFile-webp', 'image: await toFile(buf, "c.webp", {type: "image/webp"})',
      async () => ({ image: await toFile(bytes.webp, 'c.webp', { type: 'image/webp' }) })],
    ['mask-toFile', 'image: await toFile(png, "a.png", {type}), mask: await toFile(mask, "mask.png", {type})',
      async () => ({
        image: await toFile(png, 'a.png', { type: 'image/png' }),
        mask: await toFile(bytes.mask, 'mask.png', { type: 'image/png' }),
      })],
    ['mask-readstream', 'image: fs.createReadStream("a.png"), mask: fs.createReadStream("mask.png")',
      async () => ({
        image: fs.createReadStream(paths.png),
        mask: fs.createReadStream(paths.mask),
      })],
  ];
}

// The AI SDK: what people pass as prompt.images (and prompt.mask) to generateImage.
function aiForms(bytes) {
  const u8 = (b) => new Uint8Array(b);
  const b64 = (b) => Buffer.from(b).toString('base64');
  return [
    ['uint8array', 'prompt: {text, images: [new Uint8Array(png)]}', { images: [u8(bytes.png)] }],
    ['buffer', 'prompt: {text, images: [fs.readFileSync("a.png")]}', { images: [bytes.png] }],
    ['arraybuffer', 'prompt: {text, images: [arrayBuffer]}',
      { images: [u8(bytes.png).buffer] }],
    ['base64', 'prompt: {text, images: [base64 string]}', { images: [b64(bytes.png)] }],
    ['data-url', 'prompt: {text, images: ["data:image/png;base64,..."]}',
      { images: [`data:image/png;base64,${b64(bytes.png)}`] }],
    ['jpeg-bytes', 'prompt: {text, images: [jpeg bytes]}', { images: [u8(bytes.jpeg)] }],
    ['webp-bytes', 'prompt: {text, images: [webp bytes]}', { images: [u8(bytes.webp)] }],
    ['list-mask', 'prompt: {text, images: [png, jpeg], mask: png}',
      { images: [u8(bytes.png), u8(bytes.jpeg)], mask: u8(bytes.mask) }],
  ];
}

async function runOpenai(OpenAI, client, root, bytes, paths) {
  const out = [];
  for (const [form, call, build] of openaiForms(OpenAI.toFile, bytes, paths)) {
    const api = new OpenAI({ apiKey: KEY, baseURL: `${root}/${client}/${form}/v1`, maxRetries: 0 });
    let error = null;
    try {
      const files = await build();
      await api.images.edit({ ...files, model: 'gpt-image-2', prompt: 'edit' });
    } catch (err) {
      error = `${err && err.name}: ${firstLine(err && err.message)}`;
    }
    out.push({ client, form, call, error });
  }
  return out;
}

async function runAi(ai, createOpenAI, client, root, bytes) {
  const out = [];
  for (const [form, call, prompt] of aiForms(bytes)) {
    const provider = createOpenAI({ apiKey: KEY, baseURL: `${root}/${client}/${form}/v1` });
    let error = null;
    try {
      await ai.generateImage({
        model: provider.image('gpt-image-2'),
        prompt: { text: 'edit', ...prompt },
        maxRetries: 0,
      });
    } catch (err) {
      error = `${err && err.name}: ${firstLine(err && err.message)}`;
    }
    out.push({ client, form, call, error });
  }
  return out;
}

async function main() {
  globalThis.AI_SDK_LOG_WARNINGS = false;
  const input = JSON.parse(fs.readFileSync(inPath, 'utf8'));
  const bytes = {};
  for (const [kind, data] of Object.entries(input.files)) bytes[kind] = Buffer.from(data, 'base64');
  // Streams are read from real files, as an app reads them.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'igc-parts-'));
  const paths = { png: path.join(scratch, 'a.png'), mask: path.join(scratch, 'mask.png') };
  fs.writeFileSync(paths.png, bytes.png);
  fs.writeFileSync(paths.mask, bytes.mask);
  const OpenAI = load('openai').default || load('openai');
  const ai = load('ai');
  const { createOpenAI } = load('@ai-sdk/openai');
  const forms = [];
  const versions = {};
  try {
    for (const client of input.clients) {
      if (client.startsWith('openai-node')) {
        forms.push(...(await runOpenai(OpenAI, client, input.root, bytes, paths)));
        versions[client] = `openai ${version('openai')}`;
      } else {
        forms.push(...(await runAi(ai, createOpenAI, client, input.root, bytes)));
        versions[client] = `ai ${version('ai')}, @ai-sdk/openai ${version('@ai-sdk/openai')}`;
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  fs.writeFileSync(outPath, JSON.stringify({ node: process.versions.node, versions, forms }));
}

main().catch((err) => {
  process.stderr.write(`file_parts failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(2);
});
